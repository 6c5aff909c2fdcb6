import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '@hive/testkit';
import { describe, expect, it } from 'vitest';
import { UnsafeNspawnFlagError } from './errors.js';
import { readConfVar, readNspawnFlags, writeConfVars, writeNspawnFlags } from './nspawn-conf.js';

const MANAGER = [
  '--bind=/srv/hive/agents:/agents',
  '--bind-ro=/srv/hive/applied:/applied',
  '--bind-ro=/srv/hive/meta:/meta',
  '--bind=/srv/hive/state/hm1nd:/state',
];
const CONF = ['PRIVATE_NETWORK=0', 'HOST_ADDRESS=', 'EXTRA_NSPAWN_FLAGS=""', 'LOCAL_ADDRESS=', 'AUTO_START=0', ''].join('\n');

function conf(text?: string): string {
  const file = path.join(tempDir(), 'h-hm1nd.conf');
  if (text !== undefined) writeFileSync(file, text);
  return file;
}

describe('writeNspawnFlags', () => {
  it('replaces the key in place and keeps every other line in its order', async () => {
    const file = conf(CONF);
    expect(await writeNspawnFlags({ confFile: file, flags: MANAGER })).toEqual({ changed: true });
    expect(readFileSync(file, 'utf8')).toBe(
      ['PRIVATE_NETWORK=0', 'HOST_ADDRESS=', `EXTRA_NSPAWN_FLAGS="${MANAGER.join(' ')}"`, 'LOCAL_ADDRESS=', 'AUTO_START=0', ''].join('\n'),
    );
    expect(await readNspawnFlags(file)).toEqual(MANAGER);
  });

  it('does not touch the file when the flags are already there', async () => {
    const file = conf(CONF);
    await writeNspawnFlags({ confFile: file, flags: MANAGER });
    const past = new Date('2020-01-01T00:00:00Z');
    utimesSync(file, past, past);
    const content = readFileSync(file, 'utf8');
    const ino = statSync(file).ino;
    expect(await writeNspawnFlags({ confFile: file, flags: MANAGER })).toEqual({ changed: false });
    expect(readFileSync(file, 'utf8')).toBe(content);
    expect(statSync(file).mtime.getTime()).toBe(past.getTime());
    expect(statSync(file).ino).toBe(ino);
  });

  it('rewrites again with different flags after a rebuild, still one key line and the others kept', async () => {
    const file = conf(CONF);
    await writeNspawnFlags({ confFile: file, flags: ['--bind=/srv/hive/state/hm1nd:/state'] });
    expect(await writeNspawnFlags({ confFile: file, flags: MANAGER })).toEqual({ changed: true });
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines.filter((l) => l.startsWith('EXTRA_NSPAWN_FLAGS='))).toHaveLength(1);
    expect(lines.filter((l) => !l.startsWith('EXTRA_NSPAWN_FLAGS='))).toEqual(['PRIVATE_NETWORK=0', 'HOST_ADDRESS=', 'LOCAL_ADDRESS=', 'AUTO_START=0', '']);
    expect(await readNspawnFlags(file)).toEqual(MANAGER);
  });

  it('creates a missing file (and its directory) with just the key', async () => {
    const file = path.join(tempDir(), 'nixos-containers', 'h-coder.conf');
    expect(await writeNspawnFlags({ confFile: file, flags: ['--bind=/s/state/coder:/state'] })).toEqual({ changed: true });
    expect(readFileSync(file, 'utf8')).toBe('EXTRA_NSPAWN_FLAGS="--bind=/s/state/coder:/state"\n');
    expect((statSync(file).mode & 0o777).toString(8)).toBe('644');
  });

  it('appends the key to a file that lacks it, adding the missing final newline', async () => {
    const file = conf('PRIVATE_NETWORK=0\nHOST_PORT=');
    await writeNspawnFlags({ confFile: file, flags: MANAGER });
    expect(readFileSync(file, 'utf8')).toBe(`PRIVATE_NETWORK=0\nHOST_PORT=\nEXTRA_NSPAWN_FLAGS="${MANAGER.join(' ')}"\n`);
  });

  it('collapses duplicate keys into one at the first position, since a later one would override ours', async () => {
    const file = conf('A=1\nEXTRA_NSPAWN_FLAGS="--old"\nB=2\nexport EXTRA_NSPAWN_FLAGS=--older\nC=3\n');
    await writeNspawnFlags({ confFile: file, flags: ['--bind=/x:/state'] });
    expect(readFileSync(file, 'utf8')).toBe('A=1\nEXTRA_NSPAWN_FLAGS="--bind=/x:/state"\nB=2\nC=3\n');
  });

  it('keeps the mode of an existing file and leaves no temp file behind', async () => {
    const file = conf(CONF);
    chmodSync(file, 0o600);
    await writeNspawnFlags({ confFile: file, flags: MANAGER });
    expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
    expect(readdirSync(path.dirname(file))).toEqual(['h-hm1nd.conf']);
  });

  it.each(['--bind=/my dir:/state', '--bind="/x":/state', "--bind='/x'", '--bind=$HOME:/state', '--bind=/x\\y:/s', ''])(
    'refuses the flag %j and leaves the file as it was',
    async (bad) => {
      const file = conf(CONF);
      await expect(writeNspawnFlags({ confFile: file, flags: ['--bind=/ok:/ok', bad] })).rejects.toThrow(UnsafeNspawnFlagError);
      expect(readFileSync(file, 'utf8')).toBe(CONF);
      const missing = path.join(tempDir(), 'absent.conf');
      await expect(writeNspawnFlags({ confFile: missing, flags: [bad] })).rejects.toThrow(UnsafeNspawnFlagError);
      expect(existsSync(missing)).toBe(false);
    },
  );
});

describe('readNspawnFlags', () => {
  it('is null for a missing file and for a file without the key', async () => {
    expect(await readNspawnFlags(path.join(tempDir(), 'nope.conf'))).toBeNull();
    expect(await readNspawnFlags(conf('PRIVATE_NETWORK=0\n'))).toBeNull();
  });

  it('reads an empty value as no flags', async () => {
    expect(await readNspawnFlags(conf(CONF))).toEqual([]);
  });

  it.each([
    ['bare', 'EXTRA_NSPAWN_FLAGS=--a --b=/x:/y'],
    ['single-quoted', "EXTRA_NSPAWN_FLAGS='--a  --b=/x:/y'"],
    ['double-quoted with escapes', 'EXTRA_NSPAWN_FLAGS="--a \\--b=/x:/y"'],
  ])('reads a %s value as systemd does', async (_kind, line) => {
    expect(await readNspawnFlags(conf(`X=1\n${line}\n`))).toEqual(['--a', '--b=/x:/y']);
  });

  it('takes the last assignment when the key repeats', async () => {
    expect(await readNspawnFlags(conf('EXTRA_NSPAWN_FLAGS="--a"\nEXTRA_NSPAWN_FLAGS="--b"\n'))).toEqual(['--b']);
  });
});

describe('writeConfVars / readConfVar', () => {
  const CREATED = ['PRIVATE_NETWORK=1', 'HOST_ADDRESS=10.233.4.1', 'LOCAL_ADDRESS=10.233.4.2', 'HOST_BRIDGE=', 'HOST_PORT=', 'AUTO_START=0', 'FLAKE=/m', ''].join('\n');

  it('rewrites the network lines nixos-container create wrote in place, keeping the rest, idempotently', async () => {
    const file = conf(CREATED);
    const vars = { PRIVATE_NETWORK: '0', HOST_ADDRESS: '', LOCAL_ADDRESS: '' };
    expect(await writeConfVars({ confFile: file, vars })).toEqual({ changed: true });
    expect(readFileSync(file, 'utf8')).toBe(['PRIVATE_NETWORK=0', 'HOST_ADDRESS=', 'LOCAL_ADDRESS=', 'HOST_BRIDGE=', 'HOST_PORT=', 'AUTO_START=0', 'FLAKE=/m', ''].join('\n'));
    expect(await writeConfVars({ confFile: file, vars })).toEqual({ changed: false });
    expect(await readConfVar(file, 'PRIVATE_NETWORK')).toBe('0');
    expect(await readConfVar(file, 'HOST_ADDRESS')).toBe('');
    expect(await readConfVar(file, 'MISSING')).toBeNull();
  });

  it('refuses a key or value the EnvironmentFile could misread, writing nothing', async () => {
    const file = conf(CREATED);
    await expect(writeConfVars({ confFile: file, vars: { 'A B': '1' } })).rejects.toThrow(UnsafeNspawnFlagError);
    await expect(writeConfVars({ confFile: file, vars: { HOST_ADDRESS: '1 2' } })).rejects.toThrow(UnsafeNspawnFlagError);
    expect(readFileSync(file, 'utf8')).toBe(CREATED);
  });
});
