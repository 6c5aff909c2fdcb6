import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@hive/testkit';
import { BadRequestError } from '@hive/http-edge';
import { ModelStore } from './model.js';

describe('ModelStore', () => {
  it('starts on the config model and persists an override for the next process', () => {
    const dir = tempDir();
    const a = new ModelStore(dir, 'sonnet');
    expect(a.current()).toBe('sonnet');
    a.set('opus');
    expect(new ModelStore(dir, 'sonnet').current()).toBe('opus');
    expect(JSON.parse(readFileSync(a.file, 'utf8'))).toMatchObject({ model: 'opus' });
  });

  it('choosing the config model again drops the override file', () => {
    const dir = tempDir();
    const a = new ModelStore(dir, 'sonnet');
    a.set('opus');
    a.set('sonnet');
    expect(existsSync(a.file)).toBe(false);
    expect(a.overridden()).toBe(false);
  });

  it('refuses a flag-like or empty name and changes nothing on disk', () => {
    const dir = tempDir();
    const a = new ModelStore(dir, 'sonnet');
    a.set('opus');
    const before = readFileSync(a.file, 'utf8');
    for (const bad of ['--help', '', 'a b', 'x;rm', 42]) expect(() => a.set(bad)).toThrow(BadRequestError);
    expect(readFileSync(a.file, 'utf8')).toBe(before);
    expect(a.current()).toBe('opus');
  });
});
