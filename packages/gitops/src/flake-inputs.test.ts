import { afterEach, describe, expect, it } from 'vitest';
import { flakeInputNames } from './flake-inputs.js';

describe('flakeInputNames', () => {
  const path = process.env.PATH;
  afterEach(() => {
    process.env.PATH = path;
  });

  it('evaluates a flake.nix once: the same text again is answered without nix, other text still needs it', async () => {
    const text = `{ inputs.nixpkgs.url = "github:x/y"; outputs = { self, nixpkgs, extra }: { }; } # ${Date.now()}`;
    expect(await flakeInputNames(text)).toEqual({ ok: true, inputs: ['extra', 'nixpkgs'] });
    // No nix on PATH from here: only a remembered answer can come back.
    process.env.PATH = '/nonexistent';
    expect(await flakeInputNames(text)).toEqual({ ok: true, inputs: ['extra', 'nixpkgs'] });
    expect((await flakeInputNames(text + ' ')).ok).toBe(false);
  });

  it('does not remember a failure', async () => {
    const text = `{ outputs = { self, a }: { }; } # ${Date.now()} b`;
    process.env.PATH = '/nonexistent';
    expect((await flakeInputNames(text)).ok).toBe(false);
    process.env.PATH = path;
    expect(await flakeInputNames(text)).toEqual({ ok: true, inputs: ['a'] });
  });
});
