import { describe, expect, it } from 'vitest';
import { MaskingSink, createMasker } from '../../../builder/log/mask.js';
import { MemorySink } from '../../../builder/log/memory-sink.js';
import { line } from './support.js';

const TOKEN = '5f0c1d2e-3b4a-4c5d-9e8f-7a6b5c4d3e2f';
const GH = 'ghp_abcDEF1234567890xyzXYZ0987654321ab';

describe('createMasker', () => {
  const mask = createMasker([TOKEN, GH]);

  it('masks exact values', () => {
    expect(mask(`token=${TOKEN} gh=${GH}`)).toBe('token=*** gh=***');
  });

  it('masks URL-encoded and base64 forms', () => {
    const special = createMasker(['p@ss/w:rd+=']);
    expect(special(`q=${encodeURIComponent('p@ss/w:rd+=')}`)).toBe('q=***');
    const basic = Buffer.from(GH).toString('base64');
    expect(mask(`Authorization: Basic ${basic}`)).toBe('Authorization: Basic ***');
  });

  it.each(['', ':', 'a:', 'ab:', 'x-access-token:'])('masks the base64 of %j + token (every byte alignment)', (prefix) => {
    const encoded = Buffer.from(`${prefix}${GH}`).toString('base64');
    const masked = mask(`Basic ${encoded}`);
    expect(masked).toContain('***');
    // At most the few characters that mix the token with its neighbours survive.
    expect(masked.length).toBeLessThan(`Basic ${encoded}`.length - 40);
  });

  it('masks credentials in URLs, also of unknown secrets', () => {
    expect(mask('git clone https://x-access-token:abc@github.com/o/r.git')).toBe('git clone https://***@github.com/o/r.git');
    expect(mask('fetch https://user@host.example/path?x=1')).toBe('fetch https://***@host.example/path?x=1');
    expect(mask('ssh git@github.com:o/r.git and mail a@b.c')).toBe('ssh git@github.com:o/r.git and mail a@b.c');
  });

  it('leaves lines without secrets alone', () => {
    expect(mask('Step 3/7: RUN apt-get install -y git')).toBe('Step 3/7: RUN apt-get install -y git');
  });

  it('ignores empty and very short secrets instead of shredding every line', () => {
    const weak = createMasker(['', 'a']);
    expect(weak('a banana')).toBe('a banana');
  });
});

describe('MaskingSink', () => {
  it('masks before the wrapped sink sees the line', () => {
    const memory = new MemorySink();
    const sink = new MaskingSink(memory, [TOKEN]);
    sink.write(line(`CODER_AGENT_TOKEN=${TOKEN}`));
    expect(memory.texts).toEqual(['CODER_AGENT_TOKEN=***']);
  });
});
