import { describe, expect, it } from 'vitest';
import { renderSystemPrompt } from './system-prompt.js';

describe('renderSystemPrompt', () => {
  const manager = renderSystemPrompt({ name: 'hm1nd', isManager: true, managerName: 'hm1nd' });
  const worker = renderSystemPrompt({ name: 'coder', isManager: false, managerName: 'hm1nd', append: '  Prefer small commits.  ' });

  it('tells the manager who it is, the layout with the RW proposed repos and the RO deployed truth', () => {
    expect(manager).toContain('You are hm1nd, the MANAGER agent');
    expect(manager).toContain('/state — your home');
    expect(manager).toContain('/agents/<name>/config — every agent\'s PROPOSED config repo (read-write)');
    expect(manager).toContain('/applied/<name> — every agent\'s DEPLOYED config repo (read-only)');
    expect(manager).toContain('/meta — the meta flake');
  });

  it('tells the manager how a change is proposed and how to read its outcome', () => {
    expect(manager).toMatch(/commit them there: `git -C \/agents\/<name>\/config commit/);
    expect(manager).toContain('request_apply_commit(name, sha)');
    expect(manager).toContain('request_init_config(name)');
    for (const event of ['ApprovalResolved', 'Rebuilt', 'container_crash']) expect(manager).toContain(`- ${event} — `);
    expect(manager).toContain('`git fetch applied` then `git log applied/main`');
    expect(manager).toContain('`git show applied/refs/tags/deployed/<id>`');
    // The applied remote's refspecs bring the tags: a plain fetch is enough, no refspec to type.
    expect(manager).toContain('The same `git fetch applied` brings the approval tags');
    expect(manager).not.toContain('+refs/tags/');
    expect(manager).toContain('`git show applied/refs/tags/failed/<id>`');
    expect(manager).toContain('- ask_operator(question)');
    expect(manager).toContain('- send_message(to, text)');
  });

  it('gives a worker its name, its manager and only /state, without the manager\'s tools or layout', () => {
    expect(worker).toContain('You are coder, an agent of this hive. The manager is hm1nd');
    expect(worker).toContain('/state — your home');
    expect(worker).not.toContain('/applied/<name>');
    expect(worker).not.toContain('request_apply_commit');
    expect(worker).toContain('ask_operator(question)');
    expect(worker).toContain('send_message(to, text) — message another agent by name (e.g. hm1nd)');
  });

  it('appends the settings\' appendSystemPrompt last, trimmed, and nothing when it is empty', () => {
    expect(worker.endsWith("# Notes from this agent's config\nPrefer small commits.")).toBe(true);
    expect(manager).not.toContain('# Notes from');
  });

  it('renders the same text for the same agent (the CLI snapshots it once per conversation)', () => {
    expect(renderSystemPrompt({ name: 'hm1nd', isManager: true, managerName: 'hm1nd' })).toBe(manager);
  });
});
