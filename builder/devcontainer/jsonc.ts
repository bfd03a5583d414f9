/**
 * A strict reader for JSON with comments, the format of devcontainer.json:
 * JSON plus `//` and `/* … *\/` comments and trailing commas in objects and
 * arrays (what the Dev Containers CLI reads with `jsonc-parser`,
 * devcontainers/cli src/spec-node/configContainer.ts `readDevContainerConfigFile`).
 * Unlike that parser it does not guess past a syntax error: the first one is
 * reported with its line and column, so the user can fix it.
 */

/** A syntax error at a 1-based line and column. */
export class JsoncSyntaxError extends Error {
  override readonly name = 'JsoncSyntaxError';
  readonly line: number;
  readonly column: number;
  /** What is wrong, without the position. */
  readonly problem: string;

  constructor(problem: string, line: number, column: number) {
    super(`${problem} at line ${line}, column ${column}`);
    this.problem = problem;
    this.line = line;
    this.column = column;
  }
}

/** Parse JSONC text into plain values (objects, arrays, strings, numbers, booleans, null). */
export function parseJsonc(text: string): unknown {
  const reader = new Reader(text);
  reader.skip();
  if (reader.atEnd()) throw reader.error('the file is empty; expected a JSON object');
  const value = reader.value();
  reader.skip();
  if (!reader.atEnd()) throw reader.error(`unexpected ${reader.describe()} after the end of the document`);
  return value;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
// Deep enough for any real configuration, shallow enough never to overflow the stack.
const MAX_DEPTH = 200;

class Reader {
  private pos = 0;
  private depth = 0;

  constructor(private readonly text: string) {
    // A byte order mark is not content (editors on Windows write one).
    if (text.startsWith('\uFEFF')) this.pos = 1;
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  /** Skip whitespace and comments. */
  skip(): void {
    for (;;) {
      const c = this.text[this.pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
        this.pos++;
      } else if (c === '/' && this.text[this.pos + 1] === '/') {
        const end = this.text.indexOf('\n', this.pos);
        this.pos = end === -1 ? this.text.length : end + 1;
      } else if (c === '/' && this.text[this.pos + 1] === '*') {
        const end = this.text.indexOf('*/', this.pos + 2);
        if (end === -1) throw this.error('unterminated /* comment');
        this.pos = end + 2;
      } else {
        return;
      }
    }
  }

  value(): unknown {
    const c = this.text[this.pos];
    if (c === '{') return this.nested(() => this.object());
    if (c === '[') return this.nested(() => this.array());
    if (c === '"') return this.string();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return value;
      }
    }
    NUMBER.lastIndex = this.pos;
    const number = NUMBER.exec(this.text);
    if (number) {
      this.pos += number[0].length;
      return Number(number[0]);
    }
    throw this.error(`expected a value but found ${this.describe()}`);
  }

  private nested<T>(read: () => T): T {
    if (++this.depth > MAX_DEPTH) throw this.error(`nesting deeper than ${MAX_DEPTH} levels`);
    const value = read();
    this.depth--;
    return value;
  }

  private object(): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    this.pos++; // {
    for (;;) {
      this.skip();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return result;
      }
      if (this.text[this.pos] !== '"') throw this.error(`expected a property name in double quotes or "}" but found ${this.describe()}`);
      const key = this.string();
      this.skip();
      if (this.text[this.pos] !== ':') throw this.error(`expected ":" after the property name "${key}" but found ${this.describe()}`);
      this.pos++;
      this.skip();
      // defineProperty: a "__proto__" key is data, not the prototype.
      Object.defineProperty(result, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
      this.skip();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== '}') throw this.error(`expected "," or "}" but found ${this.describe()}`);
    }
  }

  private array(): unknown[] {
    const result: unknown[] = [];
    this.pos++; // [
    for (;;) {
      this.skip();
      if (this.text[this.pos] === ']') {
        this.pos++;
        return result;
      }
      result.push(this.value());
      this.skip();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== ']') throw this.error(`expected "," or "]" but found ${this.describe()}`);
    }
  }

  private string(): string {
    const start = this.pos;
    this.pos++; // "
    let out = '';
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) throw this.errorAt(start, 'unterminated string');
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c === '\n' || c === '\r') throw this.errorAt(start, 'unterminated string (a line break inside a string must be written \\n)');
      if (c === '\\') {
        const e = this.text[this.pos + 1];
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(this.text.slice(this.pos + 2, this.pos + 6))) {
          out += String.fromCharCode(parseInt(this.text.slice(this.pos + 2, this.pos + 6), 16));
          this.pos += 6;
        } else if (e !== undefined && ESCAPES[e] !== undefined) {
          out += ESCAPES[e];
          this.pos += 2;
        } else {
          throw this.error('invalid escape sequence in a string');
        }
      } else {
        out += c;
        this.pos++;
      }
    }
  }

  /** What is at the current position, for a message. */
  describe(): string {
    if (this.atEnd()) return 'the end of the file';
    const c = this.text[this.pos]!;
    return c === "'" ? "' (strings need double quotes)" : JSON.stringify(c);
  }

  error(problem: string): JsoncSyntaxError {
    return this.errorAt(this.pos, problem);
  }

  errorAt(pos: number, problem: string): JsoncSyntaxError {
    const before = this.text.slice(0, pos);
    const line = before.split('\n').length;
    const column = pos - (before.lastIndexOf('\n') + 1) + 1;
    return new JsoncSyntaxError(problem, line, column);
  }
}
