import type { LogLine, LogSink } from './log-line.js';

/** What replaces a secret in a log line. */
export const MASK = '***';

/**
 * Secrets shorter than this are not masked: masking a two-letter value would
 * shred every line that happens to contain it, and real tokens are far longer.
 */
export const MIN_SECRET_LENGTH = 4;

// scheme://user[:password]@ — the userinfo part of a URL (RFC 3986 §3.2.1).
// Stops at whitespace, quotes, '/', '?', '#' so only the authority is touched.
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@'"<>]+@/gi;

/**
 * Build a function that replaces every secret in a text by {@link MASK}:
 * each exact value, its URL-encoded and base64 forms (a token in a query
 * string or a Basic auth header), and any `user:password@` in a URL.
 */
export function createMasker(secrets: readonly string[]): (text: string) => string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(Buffer.from(secret, 'utf8').toString('base64'));
    for (const stem of base64Stems(secret)) forms.add(stem);
  }
  // Longest first, so a value is masked whole before a shorter form of it.
  const ordered = [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  const pattern = ordered.length === 0 ? undefined : new RegExp(ordered.map(escapeRegExp).join('|'), 'g');
  return (text) => {
    const masked = pattern === undefined ? text : text.replace(pattern, MASK);
    // Credentials in a URL need "://" and "@": most lines have neither, skip the scan.
    return masked.includes('@') ? masked.replace(URL_CREDENTIALS, `$1${MASK}@`) : masked;
  };
}

/**
 * A sink wrapper that masks secrets before any line reaches the wrapped sink.
 * Wrap the fan-out once, so every sink sees the same masked text.
 */
export class MaskingSink implements LogSink {
  private readonly mask: (text: string) => string;

  /** @param secrets the values to mask, or a masker from {@link createMasker} to share one. */
  constructor(private readonly inner: LogSink, secrets: readonly string[] | ((text: string) => string)) {
    this.mask = typeof secrets === 'function' ? secrets : createMasker(secrets);
  }

  write(line: LogLine): void {
    let text: string;
    try {
      text = this.mask(line.text);
    } catch {
      // Logging never fails the build, and an unmasked line must never leak.
      text = '[line withheld: masking failed]';
    }
    this.inner.write({ ...line, text });
  }

  flush(deadlineMs?: number): Promise<void> {
    return this.inner.flush(deadlineMs);
  }
}

/**
 * The secret inside a longer base64 string (`user:token` in a Basic auth
 * header) encodes differently for each of the three byte offsets it can start
 * at. For each, keep the characters that depend on the secret's bytes only.
 */
function base64Stems(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const stems: string[] = [];
  for (const offset of [0, 1, 2]) {
    const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
    const whole = Math.floor(padded.length / 3) * 4;
    // The first group mixes the secret with unknown bytes unless offset is 0.
    const stem = padded.toString('base64').slice(offset === 0 ? 0 : 4, whole);
    if (stem.length >= 8) stems.push(stem);
  }
  return stems;
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
