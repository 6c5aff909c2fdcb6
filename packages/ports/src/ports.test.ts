import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { InvalidNameError } from '@hive/core';
import {
  agentWebPort,
  describePortHolder,
  findPortConflicts,
  findPortHolder,
  fnv1a32,
  PortHeldError,
  preflightPort,
  PortTakenError,
  suggestFreeName,
} from './index.js';

describe('fnv1a32', () => {
  it('matches the published FNV-1a 32 vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });
  it('hashes the UTF-8 bytes, not UTF-16 units', () => {
    expect(fnv1a32('é')).toBe(fnv1a32('\u00e9'));
    expect(fnv1a32('é')).not.toBe(fnv1a32('e'));
  });
});

describe('agentWebPort', () => {
  it.each([
    ['test', 8945],
    ['coder', 8202],
    ['iris', 8178],
    ['atlas', 8304],
    ['a', 8620],
  ])('puts %s on %i', (name, port) => {
    expect(agentWebPort(name)).toBe(port);
  });
  it('gives the manager the fixed port', () => {
    expect(agentWebPort('hm1nd')).toBe(8000);
    expect(agentWebPort('boss', { managerName: 'boss', managerPort: 9000 })).toBe(9000);
    expect(agentWebPort('hm1nd', { managerName: 'boss' })).not.toBe(8000);
  });
  it('moves the agents range with base and range', () => {
    expect(agentWebPort('test', { base: 20000 })).toBe(20845);
    expect(agentWebPort('test', { base: 20000, range: 10 })).toBe(20000 + (fnv1a32('test') % 10));
  });
  it('refuses invalid names', () => {
    expect(() => agentWebPort('..')).toThrow(InvalidNameError);
  });
});

describe('port conflicts', () => {
  it('clusters agao and aghx on 8545', () => {
    expect(agentWebPort('agao')).toBe(8545);
    expect(agentWebPort('aghx')).toBe(8545);
    expect(findPortConflicts(['coder', 'aghx', 'hm1nd', 'agao'])).toEqual([{ port: 8545, agents: ['agao', 'aghx'] }]);
  });
  it('reports no conflict for distinct ports', () => {
    expect(findPortConflicts(['coder', 'test', 'iris'])).toEqual([]);
  });
  it('preflight refuses a taken port with the exact message', () => {
    expect(() => preflightPort('aghx', ['hm1nd', 'agao'])).toThrow(PortTakenError);
    try {
      preflightPort('aghx', ['hm1nd', 'agao']);
    } catch (e) {
      const err = e as PortTakenError;
      expect(err.message).toMatch(/^port 8545 already taken by agao — rename one of them/);
      expect(err.code).toBe('PORT_TAKEN');
      expect(err.suggestion).toBeTruthy();
      expect(agentWebPort(err.suggestion!)).not.toBe(8545);
    }
  });
  it('preflight lets an agent rebuild beside itself', () => {
    expect(preflightPort('agao', ['agao', 'hm1nd'])).toBe(8545);
  });
  it('preflight counts only the agents it is given as running: a crashed twin does not block', () => {
    // The daemon passes running agents only; agao rebuilding beside a crashed aghx is allowed.
    expect(preflightPort('agao', ['hm1nd'])).toBe(8545);
  });
  it("preflight's suggestion also avoids the ports of recorded agents that are not running", () => {
    const first = suggestFreeName('aghx', ['agao'])!;
    const err = (() => {
      try {
        preflightPort('aghx', ['agao'], { taken: ['agao', first] });
      } catch (e) {
        return e as PortTakenError;
      }
    })()!;
    expect(err.suggestion).toBeTruthy();
    expect(err.suggestion).not.toBe(first);
    expect([8545, agentWebPort(first)]).not.toContain(agentWebPort(err.suggestion!));
  });
  it('suggests a valid free name within the length limit', () => {
    const s = suggestFreeName('abcdefghi', ['abcdefghi']);
    expect(s).toMatch(/^[a-z][a-z0-9-]{0,8}$/);
    expect(s!.length).toBeLessThanOrEqual(9);
  });
});

describe('port holder', () => {
  const listen = (host: string) =>
    new Promise<net.Server>((resolve) => {
      const s = net.createServer();
      s.listen(0, host, () => resolve(s));
    });
  const portOf = (s: net.Server) => (s.address() as net.AddressInfo).port;

  it('names the pid and command line of the process listening on a port', async () => {
    const s = await listen('127.0.0.1');
    try {
      const h = findPortHolder(portOf(s));
      expect(h).toEqual({ pid: process.pid, command: expect.stringContaining('node') });
      expect(describePortHolder(h)).toMatch(new RegExp(`^pid ${process.pid} \\(.*node.*\\)$`));
    } finally {
      s.close();
    }
  });

  it('finds an IPv6 listener too', async () => {
    const s = await listen('::1');
    try {
      expect(findPortHolder(portOf(s))?.pid).toBe(process.pid);
    } finally {
      s.close();
    }
  });

  it('answers null for a port nobody listens on, and "another process" when the owner is unknown', async () => {
    const s = await listen('127.0.0.1');
    const port = portOf(s);
    await new Promise((r) => s.close(r));
    expect(findPortHolder(port)).toBeNull();
    expect(describePortHolder(null)).toBe('another process');
    expect(describePortHolder({ pid: null, command: null })).toBe('another process');
  });

  it('PortHeldError names the port, the agent and the holder, and does not say retry', () => {
    const e = new PortHeldError(8202, 'coder', 'pid 7 (python3 -m http.server)');
    expect(e.message).toBe('port 8202 for coder is held by pid 7 (python3 -m http.server) — stop it, or rename coder');
    expect(e.code).toBe('PORT_HELD');
    expect(e.message).not.toMatch(/retry/);
  });
});
