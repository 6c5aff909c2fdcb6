import { describe, expect, it } from 'vitest';
import { agentsForMeta } from './index.js';

describe('agentsForMeta', () => {
  it('lists live agents plus the one being spawned, sorted, with ports from @hive/ports', () => {
    expect(agentsForMeta(['iris', 'hm1nd'], 'coder')).toEqual([
      { name: 'coder', port: 8202, isManager: false, label: 'coder' },
      { name: 'hm1nd', port: 8000, isManager: true, label: 'hm1nd' },
      { name: 'iris', port: 8178, isManager: false, label: 'iris' },
    ]);
  });
  it('deduplicates a name that is both live and the extra one', () => {
    expect(agentsForMeta(['coder', 'coder'], 'coder').map((a) => a.name)).toEqual(['coder']);
  });
  it('honours another manager name and moved port ranges', () => {
    const l = agentsForMeta(['boss', 'test'], undefined, { managerName: 'boss', ports: { managerPort: 9000, base: 9100 } });
    expect(l).toEqual([
      { name: 'boss', port: 9000, isManager: true, label: 'boss' },
      { name: 'test', port: 9945, isManager: false, label: 'test' },
    ]);
  });
  it('refuses an invalid name, live or extra', () => {
    expect(() => agentsForMeta(['Coder'])).toThrow(/invalid agent name "Coder"/);
    expect(() => agentsForMeta([], '../x')).toThrow(/invalid agent name/);
  });
});
