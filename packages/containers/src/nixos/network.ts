import { readConfVar, writeConfVars, writeNspawnFlags } from '../nspawn-conf.js';

/**
 * How agent containers are networked.
 * - `host` (default): the host's network namespace, as the seed's port scheme assumes (harnesses on
 *   127.0.0.1:<port>, the daemon on 127.0.0.1:<dashboard port>); agents can reach every host loopback service.
 * - `private`: what `nixos-container create` sets up by itself — a veth pair, the host at HOST_ADDRESS
 *   (10.233.N.1) and the container at LOCAL_ADDRESS (10.233.N.2); the daemon reaches the harness at the
 *   local address, the agent reaches the daemon at the host address, and egress needs NAT on the host.
 */
export type NetworkMode = 'host' | 'private';

export const NETWORK_MODES: readonly NetworkMode[] = ['host', 'private'];

/** Where one container is reachable, as its conf says. */
export interface ContainerNetwork {
  privateNetwork: boolean;
  /** The host side of the veth pair (the agent reaches the daemon here); null on the host network. */
  hostAddress: string | null;
  /** The container side (the daemon reaches the harness here); null on the host network. */
  localAddress: string | null;
}

/**
 * Makes a freshly created conf match the mode. `create` always writes PRIVATE_NETWORK=1 and a 10.233.N pair;
 * on the host network both addresses must go too, because the container@ unit adds --network-veth (which
 * implies a private network) whenever an address is set (nixos-containers.nix startScript).
 */
export async function applyNetworkMode(confFile: string, mode: NetworkMode): Promise<{ changed: boolean }> {
  if (mode === 'private') return writeConfVars({ confFile, vars: { PRIVATE_NETWORK: '1' } });
  return writeConfVars({ confFile, vars: { PRIVATE_NETWORK: '0', HOST_ADDRESS: '', LOCAL_ADDRESS: '' } });
}

/** The network a container's conf gives it; null when there is no conf. */
export async function readContainerNetwork(confFile: string): Promise<ContainerNetwork | null> {
  const priv = await readConfVar(confFile, 'PRIVATE_NETWORK');
  const host = await readConfVar(confFile, 'HOST_ADDRESS');
  const local = await readConfVar(confFile, 'LOCAL_ADDRESS');
  if (priv === null && host === null && local === null) return null;
  return { privateNetwork: priv === '1', hostAddress: host || null, localAddress: local || null };
}

/** A container's conf as the runtime wants it: network lines, then the bind flags; true when the file changed. */
export async function writeContainerConf(o: { confFile: string; mode: NetworkMode; flags: readonly string[] }): Promise<boolean> {
  const net = await applyNetworkMode(o.confFile, o.mode);
  const binds = await writeNspawnFlags({ confFile: o.confFile, flags: o.flags });
  return net.changed || binds.changed;
}
