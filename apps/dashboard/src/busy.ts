/** Keys of in-flight requests, so the app can tell each button whether to spin. */
export const busyKey = {
  spawn: () => 'spawn',
  rebuild: (name: string) => `rebuild:${name}`,
  destroy: (name: string) => `destroy:${name}`,
  approve: (id: number) => `approve:${id}`,
  deny: (id: number) => `deny:${id}`,
  answer: (id: number) => `answer:${id}`,
  rollback: (agent: string) => `rollback:${agent}`,
  freeze: () => 'freeze',
};
