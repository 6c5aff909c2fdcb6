import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { commitFiles, initRepo, snapshotTree, tempDir } from '@hive/testkit';
import { BuildError } from '../errors.js';
import { PROPOSAL_DIR, buildBwrapArgs, buildSandbox } from './build-sandbox.js';
import { EMPTY_SETTINGS, PERMISSION_MODES, checkBuild, readHiveSettings, validateSettings } from './settings.js';

const module = (hive: string, extra = '') => `{ config, lib, pkgs, ... }: {
  ${extra}
  hive = ${hive};
}
`;

async function applied(files: Record<string, string>): Promise<string> {
  const dir = await initRepo(tempDir('hive-applied-'));
  await commitFiles(dir, files, 'config');
  return dir;
}

async function buildError(p: Promise<unknown>): Promise<BuildError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(BuildError);
  return e as BuildError;
}

/** The BuildError validateSettings throws for `hive` (fails the test when it does not throw one). */
function validationError(hive: unknown): BuildError {
  let err: unknown;
  try {
    validateSettings(hive);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(BuildError);
  return err as BuildError;
}

describe('readHiveSettings', () => {
  it('reads model, env and mcpServers without forcing the rest of the module', async () => {
    const dir = await applied({
      'agent.nix': module(
        '{ model = "claude-opus-4"; env.GREETING = "hi there"; mcpServers.fs = { command = "mcp-fs"; args = [ "/state" ]; }; }',
        'environment.systemPackages = [ pkgs.git lib.mkForce ]; services.x = config.y;',
      ),
    });
    expect(await readHiveSettings(dir)).toEqual({
      ...EMPTY_SETTINGS,
      model: 'claude-opus-4',
      env: { GREETING: 'hi there' },
      mcpServers: { fs: { command: 'mcp-fs', args: ['/state'] } },
    });
  });

  it('gives empty settings for a module without hive, and accepts modules naming other arguments', async () => {
    const dir = await applied({ 'agent.nix': '{ modulesPath, pkgs, ... }: { imports = [ (modulesPath + "/x.nix") ]; }\n' });
    expect(await readHiveSettings(dir)).toEqual(EMPTY_SETTINGS);
  });

  it('reads a path with spaces and quotes as data, never as nix code', async () => {
    const dir = path.join(tempDir(), 'we"ird ${dir}');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'agent.nix'), module('{ model = "m1"; }'));
    expect((await readHiveSettings(dir)).model).toBe('m1');
  });

  it('refuses HIVE_* names in hive.env so a config cannot move the harness port', async () => {
    const dir = await applied({ 'agent.nix': module('{ env.HIVE_PORT = "1"; }') });
    const e = await buildError(readHiveSettings(dir));
    expect(e.message).toMatch(/hive\.env\.HIVE_PORT.*cannot be overridden/);
  });

  it('refuses env names that are not upper-case identifiers and values that are not strings', async () => {
    const bad = await applied({ 'agent.nix': module('{ env."lower-case" = "x"; }') });
    expect((await buildError(readHiveSettings(bad))).message).toMatch(/hive\.env\.lower-case/);
    const num = await applied({ 'agent.nix': module('{ env.COUNT = 3; }') });
    expect((await buildError(readHiveSettings(num))).message).toMatch(/hive\.env\.COUNT must be a string/);
  });

  it('refuses a model name carrying shell syntax', async () => {
    const dir = await applied({ 'agent.nix': module('{ model = "x; rm -rf /"; }') });
    expect((await buildError(readHiveSettings(dir))).message).toMatch(/hive\.model must be a model name/);
  });

  it('refuses MCP server entries the harness could not use', async () => {
    const name = await applied({ 'agent.nix': module('{ mcpServers."a b" = { command = "x"; }; }') });
    expect((await buildError(readHiveSettings(name))).message).toMatch(/hive\.mcpServers\.a b: server names/);
    const entry = await applied({ 'agent.nix': module('{ mcpServers.fs = "mcp-fs"; }') });
    expect((await buildError(readHiveSettings(entry))).message).toMatch(/hive\.mcpServers\.fs must be an attribute set/);
  });

  it('fails with nix\'s error when evaluating hive itself fails', async () => {
    const dir = await applied({ 'agent.nix': module('{ model = pkgs.lib.x; }') });
    const e = await buildError(readHiveSettings(dir));
    expect(e.stderr).toMatch(/error:/);
  });

  it('fails clearly when agent.nix is missing', async () => {
    const dir = await applied({ 'flake.nix': '{ outputs = _: {}; }\n' });
    expect((await buildError(readHiveSettings(dir))).message).toMatch(/agent\.nix is missing/);
  });
});

describe('checkBuild', () => {
  it('parses every tracked .nix file and returns the settings', async () => {
    const dir = await applied({
      'agent.nix': module('{ model = "m2"; }'),
      'flake.nix': '{ outputs = _: { nixosModules.default = import ./agent.nix; }; }\n',
      'modules/extra.nix': '{ ... }: { }\n',
    });
    expect((await checkBuild(dir)).model).toBe('m2');
  });

  it('fails with nix\'s syntax error naming the broken file, and changes nothing on disk', async () => {
    const dir = await applied({
      'agent.nix': module('{ model = "m2"; }'),
      'modules/broken.nix': '{ x = ; }\n',
    });
    const before = await snapshotTree(dir);
    const e = await buildError(checkBuild(dir));
    expect(e.message).toMatch(/^error: syntax error/);
    expect(e.stderr).toContain('broken.nix');
    expect(await snapshotTree(dir)).toEqual(before);
  });

  it('ignores untracked .nix files, as a flake build would', async () => {
    const dir = await applied({ 'agent.nix': module('{ }') });
    writeFileSync(path.join(dir, 'scratch.nix'), '{ x = ; }\n');
    await expect(checkBuild(dir)).resolves.toMatchObject({ model: null });
  });

  it('parses a file once per content: a deploy changing only agent.nix starts one nix; a changed or broken file is parsed again', async () => {
    // A logging nix-instantiate ahead on PATH (no sandbox: the build then runs the one on PATH).
    const shim = tempDir('hive-nix-shim-');
    const log = path.join(shim, 'calls.log');
    const real = (await execa('sh', ['-c', 'command -v nix-instantiate'])).stdout.trim();
    writeFileSync(path.join(shim, 'nix-instantiate'), `#!/bin/sh\nprintf 'CALL %s\\n' "$(echo "$*" | tr '\\n' ' ')" >> ${log}\nexec ${real} "$@"\n`, { mode: 0o755 });
    const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l.startsWith('CALL ')) : []);
    const PATH = process.env.PATH;
    process.env.PATH = `${shim}:${PATH}`;
    try {
      const tag = `${Date.now()}-${Math.random()}`; // bytes no earlier test parsed
      const dir = await applied({ 'agent.nix': module('{ model = "m1"; }'), 'modules/extra.nix': `{ ... }: { } # ${tag}\n` });
      const none = { sandbox: buildSandbox('none') };
      expect((await checkBuild(dir, none)).model).toBe('m1');
      // agent.nix is not in the parse: the settings read imports it.
      expect(calls().filter((c) => c.includes('--parse'))).toEqual([expect.stringMatching(/--parse \.\/modules\/extra\.nix *$/)]);
      rmSync(log);
      writeFileSync(path.join(dir, 'agent.nix'), module('{ model = "m2"; }'));
      expect((await checkBuild(dir, none)).model).toBe('m2');
      expect(calls()).toHaveLength(1);
      expect(calls()[0]).toContain('--eval');
      rmSync(log);
      // A syntax error in agent.nix is still a build error, from the settings read.
      writeFileSync(path.join(dir, 'agent.nix'), '{ config, ... }: { hive.model = ; }\n');
      expect((await buildError(checkBuild(dir, none))).message).toMatch(/syntax error/);
      writeFileSync(path.join(dir, 'agent.nix'), module('{ model = "m3"; }'));
      writeFileSync(path.join(dir, 'modules/extra.nix'), `{ x = ; } # ${tag}\n`);
      expect((await buildError(checkBuild(dir, none))).stderr).toContain('extra.nix');
    } finally {
      process.env.PATH = PATH;
    }
  });

  it('parses .nix files of a plain directory that is not a git repo', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'agent.nix'), module('{ }'));
    writeFileSync(path.join(dir, 'other.nix'), '{ x = ; }\n');
    expect((await buildError(checkBuild(dir))).stderr).toContain('other.nix');
  });
});

describe('hive settings for the agent engine', () => {
  it('reads permissionMode, tool lists, maxTurns, appendSystemPrompt and budgetUsd', async () => {
    const dir = await applied({
      'agent.nix': module(
        '{ permissionMode = "acceptEdits"; allowedTools = [ "Bash(git:*)" "Edit" ]; disallowedTools = [ "WebFetch" ]; maxTurns = 40; appendSystemPrompt = "be brief"; budgetUsd = 2.5; }',
      ),
    });
    expect(await readHiveSettings(dir)).toEqual({
      ...EMPTY_SETTINGS,
      permissionMode: 'acceptEdits',
      allowedTools: ['Bash(git:*)', 'Edit'],
      disallowedTools: ['WebFetch'],
      maxTurns: 40,
      appendSystemPrompt: 'be brief',
      budgetUsd: 2.5,
    });
  });

  it('accepts every permission mode the claude CLI offers, and a zero budget', () => {
    for (const mode of PERMISSION_MODES) expect(validateSettings({ permissionMode: mode }).permissionMode).toBe(mode);
    expect(validateSettings({ budgetUsd: 0, maxTurns: 1000 })).toMatchObject({ budgetUsd: 0, maxTurns: 1000 });
  });

  it.each([
    [{ permissionMode: 'yolo' }, /hive\.permissionMode must be one of default, manual, acceptEdits/],
    [{ permissionMode: 3 }, /hive\.permissionMode must be a string/],
    [{ allowedTools: 'Bash' }, /hive\.allowedTools must be a list of tool patterns/],
    [{ allowedTools: ['Bash', 'Edit\nRead'] }, /hive\.allowedTools\[1\] must be a tool pattern of 1–200 characters on one line/],
    [{ disallowedTools: [''] }, /hive\.disallowedTools\[0\] must be a tool pattern/],
    [{ disallowedTools: ['x'.repeat(201)] }, /hive\.disallowedTools\[0\] must be a tool pattern of 1–200/],
    [{ allowedTools: Array.from({ length: 101 }, (_, i) => `T${i}`) }, /hive\.allowedTools has 101 entries, at most 100/],
    [{ maxTurns: 0 }, /hive\.maxTurns must be a whole number from 1 to 1000, got 0/],
    [{ maxTurns: 1001 }, /hive\.maxTurns must be a whole number from 1 to 1000/],
    [{ maxTurns: 2.5 }, /hive\.maxTurns must be a whole number/],
    [{ appendSystemPrompt: 'é'.repeat(8193) }, /hive\.appendSystemPrompt is 16386 bytes, at most 16384 \(16 KiB\)/],
    [{ budgetUsd: -1 }, /hive\.budgetUsd must be a number of dollars per day, 0 or more, got -1/],
    [{ budgetUsd: '5' }, /hive\.budgetUsd must be a number/],
  ])('fails the build on a bad hive value (case %#)', (hive, message) => {
    const err = validationError(hive);
    expect(err.message).toMatch(/^error: agent\.nix: hive\./);
    expect(err.message).toMatch(message);
  });

  it('fails the build with a bad value evaluated from agent.nix itself', async () => {
    const dir = await applied({ 'agent.nix': module('{ maxTurns = 5000; }') });
    expect((await buildError(checkBuild(dir))).message).toBe('error: agent.nix: hive.maxTurns must be a whole number from 1 to 1000, got 5000');
  });
});

describe('hive.limits', () => {
  it('reads memoryMax, cpuQuota and tasksMax from agent.nix', async () => {
    const dir = await applied({ 'agent.nix': module('{ limits = { memoryMax = "512M"; cpuQuota = "50%"; tasksMax = 64; }; }') });
    expect((await readHiveSettings(dir)).limits).toEqual({ memoryMax: '512M', cpuQuota: '50%', tasksMax: 64 });
  });

  it('is empty when absent or null, and keeps only the limits that are set', () => {
    expect(validateSettings({}).limits).toEqual({});
    expect(validateSettings({ limits: null }).limits).toEqual({});
    expect(validateSettings({ limits: { cpuQuota: '200%', memoryMax: null } }).limits).toEqual({ cpuQuota: '200%' });
  });

  it.each(['2G', '1024', '64K', '1T', 'infinity'])('accepts the systemd size %s as memoryMax', (size) => {
    expect(validateSettings({ limits: { memoryMax: size } }).limits.memoryMax).toBe(size);
  });

  it.each([
    [{ limits: 'small' }, /^error: agent\.nix: hive\.limits must be an attribute set \(memoryMax, cpuQuota, tasksMax\), got "small"$/],
    [{ limits: { memoryMax: '512MB' } }, /hive\.limits\.memoryMax must be a systemd size such as "512M" or "2G".*got "512MB"$/],
    [{ limits: { memoryMax: '0' } }, /hive\.limits\.memoryMax must be a systemd size/],
    [{ limits: { memoryMax: '-1G' } }, /hive\.limits\.memoryMax must be a systemd size/],
    [{ limits: { memoryMax: 512 } }, /hive\.limits\.memoryMax must be a systemd size.*got 512$/],
    [{ limits: { memoryMax: '512M\nTasksMax=1' } }, /hive\.limits\.memoryMax must be a systemd size/],
    [{ limits: { cpuQuota: '50' } }, /hive\.limits\.cpuQuota must be a percentage such as "50%" or "200%", got "50"$/],
    [{ limits: { cpuQuota: '0%' } }, /hive\.limits\.cpuQuota must be a percentage/],
    [{ limits: { cpuQuota: 0.5 } }, /hive\.limits\.cpuQuota must be a percentage/],
    [{ limits: { tasksMax: 0 } }, /hive\.limits\.tasksMax must be a whole number from 1 to 4194304, got 0$/],
    [{ limits: { tasksMax: 1.5 } }, /hive\.limits\.tasksMax must be a whole number/],
    [{ limits: { tasksMax: '64' } }, /hive\.limits\.tasksMax must be a whole number/],
    [{ limits: { memoryLimit: '1G' } }, /hive\.limits\.memoryLimit is not a limit hyperhive knows: use memoryMax, cpuQuota or tasksMax$/],
  ])('fails the build on a bad limit (case %#), one line naming it', (hive, message) => {
    const err = validationError(hive);
    expect(err.message).not.toContain('\n');
    expect(err.message).toMatch(message);
  });

  it('fails the build when agent.nix itself sets a bad limit', async () => {
    const dir = await applied({ 'agent.nix': module('{ limits.cpuQuota = "lots"; }') });
    expect((await buildError(checkBuild(dir))).message).toBe(
      'error: agent.nix: hive.limits.cpuQuota must be a percentage such as "50%" or "200%", got "lots"',
    );
  });
});

describe('builds see only the proposal', () => {
  const SECRET = 'tok-7f3a9c-not-for-agents';

  /** A state root with another agent's token beside the applied tree, as on a real host. */
  async function hostWithSecret(files: Record<string, string>) {
    const root = tempDir('hive-build-root-');
    const tokenFile = path.join(root, 'state', 'other', 'token');
    mkdirSync(path.dirname(tokenFile), { recursive: true });
    writeFileSync(tokenFile, `${SECRET}\n`, { mode: 0o600 });
    const dir = path.join(root, 'applied', 'coder');
    mkdirSync(dir, { recursive: true });
    await initRepo(dir);
    await commitFiles(dir, files, 'config');
    return { root, dir, tokenFile };
  }

  async function withSymlink(dir: string, name: string, target: string) {
    symlinkSync(target, path.join(dir, name));
    await commitFiles(dir, {}, `link ${name}`);
  }

  const modes = [
    ['bwrap', undefined],
    ['no sandbox', { bwrap: null }],
  ] as const;

  it.each(modes)('keeps a symlinked secret out of the failed build (%s)', async (_, sandbox) => {
    const { dir, tokenFile } = await hostWithSecret({ 'agent.nix': module('{ model = "m"; }') });
    await withSymlink(dir, 'notes.nix', '../../state/other/token');
    await withSymlink(dir, 'abs.nix', tokenFile);
    const e = await buildError(checkBuild(dir, { sandbox }));
    expect(e.stderr).toMatch(/error:/);
    expect(e.stderr).not.toContain(SECRET);
    expect(e.message).not.toContain(SECRET);
  });

  it.each(modes)('keeps a secret that agent.nix imports by symlink out of the failed settings read (%s)', async (_, sandbox) => {
    const { dir } = await hostWithSecret({ 'agent.nix': module('{ model = import ./notes.nix; }') });
    await withSymlink(dir, 'notes.nix', '../../state/other/token');
    const e = await buildError(readHiveSettings(dir, { sandbox }));
    expect(`${e.message}\n${e.stderr}`).not.toContain(SECRET);
  });

  it.each(modes)('refuses an absolute import and a readFile of host paths without their content (%s)', async (_, sandbox) => {
    const { dir, tokenFile } = await hostWithSecret({ 'agent.nix': module('{ }') });
    await commitFiles(dir, { 'agent.nix': module(`{ model = builtins.readFile ${tokenFile}; }`) });
    const read = await buildError(readHiveSettings(dir, { sandbox }));
    expect(read.stderr).toMatch(/forbidden in restricted mode|No such file/);
    expect(read.stderr).not.toContain(SECRET);

    await commitFiles(dir, { 'agent.nix': module('{ env.PASSWD = builtins.readFile /etc/passwd; }') });
    const passwd = await buildError(readHiveSettings(dir, { sandbox }));
    expect(passwd.stderr).toMatch(/access to absolute path '\/etc\/passwd' is forbidden in restricted mode/);
    expect(passwd.stderr).not.toContain('root:x:0:0');

    await commitFiles(dir, { 'agent.nix': 'import /etc/os-release\n' });
    const imported = await buildError(checkBuild(dir, { sandbox }));
    expect(imported.stderr).toMatch(/forbidden in restricted mode/);
    expect(imported.stderr).not.toMatch(/PRETTY_NAME|VERSION_ID/);
  });

  it.each(modes)('gives nix none of the daemon\'s env (%s)', async (_, sandbox) => {
    process.env.HIVE_TEST_DAEMON_SECRET = SECRET;
    try {
      const { dir } = await hostWithSecret({ 'agent.nix': module('{ env.LEAK = builtins.getEnv "HIVE_TEST_DAEMON_SECRET"; }') });
      expect((await readHiveSettings(dir, { sandbox })).env).toEqual({ LEAK: '' });
    } finally {
      delete process.env.HIVE_TEST_DAEMON_SECRET;
    }
  });

  it('names files as /proposal/… in a sandboxed build\'s error, never the host path', async () => {
    const { dir } = await hostWithSecret({ 'agent.nix': module('{ }'), 'modules/broken.nix': '{ x = ; }\n' });
    const e = await buildError(checkBuild(dir));
    expect(e.stderr).toContain(`${PROPOSAL_DIR}/modules/broken.nix`);
    expect(e.stderr).not.toContain(dir);
  });

  it('runs as the agent uid with no capabilities, no network, no host env and nothing of the host but /usr and the tree', async () => {
    const { root, dir } = await hostWithSecret({ 'agent.nix': module('{ }') });
    const bwrap = buildSandbox().bwrap;
    expect(bwrap, 'bubblewrap is installed by scripts/setup.sh').not.toBeNull();
    const args = buildBwrapArgs({ tree: dir, nixBin: '/usr/bin/nix-instantiate', nixRoot: '/usr' });
    expect(args.at(-1)).toBe('/usr/bin/nix-instantiate');
    const probe = [
      'echo "uid=$(id -u)"',
      'grep CapEff /proc/self/status',
      'ls /etc >/dev/null 2>&1 && echo etc=visible || echo etc=absent',
      `ls ${root} >/dev/null 2>&1 && echo root=visible || echo root=absent`,
      'touch /proposal/x 2>/dev/null && echo proposal=writable || echo proposal=readonly',
      'cat /proposal/agent.nix >/dev/null && echo tree=readable',
      'echo "netdevs=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\\n" " ")"',
      'env | sort | tr "\\n" " "',
    ].join('; ');
    const r = await execa(bwrap!, [...args.slice(0, -1), '/bin/sh', '-c', probe], { env: { HIVE_TEST_DAEMON_SECRET: SECRET }, reject: false });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('uid=1000');
    expect(r.stdout).toMatch(/CapEff:\s+0000000000000000/);
    expect(r.stdout).toContain('etc=absent');
    expect(r.stdout).toContain('root=absent');
    expect(r.stdout).toContain('proposal=readonly');
    expect(r.stdout).toContain('tree=readable');
    expect(r.stdout).not.toContain(SECRET);
    expect(r.stdout).toContain('netdevs=lo ');
  });
});

describe('hive.healthTimeout', () => {
  it('is the seconds the deploy gate waits, 0 turning the gate off, null when unset', () => {
    expect(validateSettings({ healthTimeout: 5 }).healthTimeout).toBe(5);
    expect(validateSettings({ healthTimeout: 0 }).healthTimeout).toBe(0);
    expect(validateSettings({}).healthTimeout).toBeNull();
  });

  it.each([[-1], [601], ['30s']])('refuses %j with a line naming hive.healthTimeout', (v) => {
    expect(() => validateSettings({ healthTimeout: v })).toThrow(/hive\.healthTimeout must be a number of seconds from 0 \(no health gate\) to 600/);
  });
});
