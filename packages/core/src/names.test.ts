import { describe, expect, it } from 'vitest';
import { containerName, validateAgentName, InvalidNameError, insideRoot, PathEscapeError } from './index.js';

describe('validateAgentName', () => {
  it.each(['a', 'coder', 'hm1nd', 'a-b', 'abcdefghi'])('accepts %s', (n) => {
    expect(validateAgentName(n)).toBe(n);
  });
  it.each(['..', '.', '/x', 'a/b', 'A', 'Coder', '-a', '1a', '', 'abcdefghij', 'toolongname', 'a b', 'a\0', 'аtlas', 'a_b'])(
    'refuses %j with a one-line InvalidNameError',
    (n) => {
      expect(() => validateAgentName(n)).toThrow(InvalidNameError);
      try {
        validateAgentName(n);
      } catch (e) {
        expect((e as InvalidNameError).code).toBe('INVALID_NAME');
        expect((e as Error).message).not.toContain('\n');
      }
    },
  );
  it('refuses non-strings', () => {
    expect(() => validateAgentName(42)).toThrow(/must be a string/);
  });
  it('names the container h-<name>', () => {
    expect(containerName('coder')).toBe('h-coder');
    expect(() => containerName('../x')).toThrow(InvalidNameError);
  });
});

describe('insideRoot', () => {
  it('resolves paths under the root', () => {
    expect(insideRoot('/var/lib/h', 'state', 'coder')).toBe('/var/lib/h/state/coder');
  });
  it.each([['..'], ['/etc'], ['state', '../../x'], ['']])('refuses %j', (...parts) => {
    expect(() => insideRoot('/var/lib/h', ...parts)).toThrow(PathEscapeError);
  });
});

describe('hostAllowed (DNS-rebinding guard)', async () => {
  const { hostAllowed, isLoopbackBind } = await import('./index.js');
  it.each(['127.0.0.1:7777', 'localhost:7777', '[::1]:7777', 'hive.localhost', '127.1.2.3'])('lets a loopback bind answer Host %s', (h) => {
    expect(hostAllowed('127.0.0.1', h)).toBe(true);
  });
  it.each(['evil.example', 'evil.example:7777', '10.0.0.1', '', undefined])('refuses Host %j on a loopback bind', (h) => {
    expect(hostAllowed('127.0.0.1', h)).toBe(false);
  });
  it('leaves wider binds to the operator token', () => {
    expect(isLoopbackBind('0.0.0.0')).toBe(false);
    expect(hostAllowed('0.0.0.0', 'hive.example.org')).toBe(true);
  });
});
