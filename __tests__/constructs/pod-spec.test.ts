import { describe, expect, it } from 'vitest';
import { assertUniqueNames, nullIfEmpty, renderEnv, renderMounts, withDynamic } from '../../constructs/pod-spec.js';
import { resolve, testStack, variable } from './helpers.js';

describe('pod-spec rendering', () => {
  it('renders unconditional env vars as static blocks and conditional ones as dynamic blocks', () => {
    expect(renderEnv({ name: 'c' }, [{ name: 'A', value: '1' }, { name: 'B', value: '2', when: 'var.x != ""' }])).toEqual({
      name: 'c',
      env: [{ name: 'A', value: '1' }],
      dynamic: { env: { for_each: '${var.x != "" ? [1] : []}', content: { name: 'B', value: '2' } } },
    });
  });

  it('uses the JSON array form for several dynamic blocks of one type and keeps other dynamic types', () => {
    const body = renderMounts({ dynamic: { env: { for_each: 'e', content: {} } } }, [
      { name: 'a', mountPath: '/a', when: 'p' },
      { name: 'b', mountPath: '/b', readOnly: true, when: 'q' },
    ]);
    expect(body.dynamic).toEqual({
      env: { for_each: 'e', content: {} },
      volume_mount: [
        { for_each: '${p ? [1] : []}', content: { name: 'a', mount_path: '/a', read_only: undefined } },
        { for_each: '${q ? [1] : []}', content: { name: 'b', mount_path: '/b', read_only: true } },
      ],
    });
    expect(body.volume_mount).toBeUndefined();
  });

  it('leaves a body without conditional items free of a dynamic key', () => {
    expect(withDynamic({ a: 1 }, 'env', [])).toEqual({ a: 1 });
  });

  it('leaves optional names unset when empty, and decides at plan time for references', () => {
    expect(nullIfEmpty(undefined)).toBeUndefined();
    expect(nullIfEmpty('')).toBeUndefined();
    expect(nullIfEmpty('sysbox-runc')).toBe('sysbox-runc');
    const stack = testStack();
    expect(resolve(stack, nullIfEmpty(variable(stack, 'x')))).toBe('${var.x != "" ? var.x : null}');
  });

  it('fails when a name repeats', () => {
    expect(() => assertUniqueNames('volume', 'Pod', ['a', 'b', 'a'])).toThrowError('Pod: volume "a" is defined twice; give each volume a unique name.');
  });
});
