/**
 * Test hosts as Linux network namespaces: `hosts` namespaces joined by a bridge that lives in a
 * namespace of its own, addresses 10.77.<net>.1..n. Nothing is added to the machine's own namespace.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';

const sh = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });

export interface NetHosts { names: string[]; addr(i: number): string; exec(i: number, cmd: string[]): ChildProcess; destroy(): void }

/** Why namespaces cannot be made here (not root, no iproute2), or undefined. */
export function netnsProblem(): string | undefined {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'iproute2 (ip) is not installed';
  }
  return undefined;
}

export function makeHosts(n: number): NetHosts {
  const id = String(process.pid % 100000);
  const net = 1 + (process.pid % 250);
  const sw = `bfgsw${id}`;
  const names = Array.from({ length: n }, (_, i) => `bfgh${i + 1}x${id}`);
  const hosts: NetHosts = {
    names,
    addr: (i) => `10.77.${net}.${i + 1}`,
    exec: (i, cmd) => spawn('ip', ['netns', 'exec', names[i], ...cmd], { stdio: ['ignore', 'pipe', 'pipe'] }),
    destroy: () => {
      for (const ns of [...names, sw]) {
        try { sh('netns', 'del', ns); } catch { /* already gone */ }
      }
    },
  };
  try {
    sh('netns', 'add', sw);
    sh('-n', sw, 'link', 'add', 'br0', 'type', 'bridge');
    sh('-n', sw, 'link', 'set', 'br0', 'up');
    names.forEach((ns, i) => {
      const h = `v${i}h${id}`, s = `v${i}s${id}`;
      sh('netns', 'add', ns);
      sh('link', 'add', h, 'type', 'veth', 'peer', 'name', s);
      sh('link', 'set', h, 'netns', ns);
      sh('link', 'set', s, 'netns', sw);
      sh('-n', sw, 'link', 'set', s, 'master', 'br0');
      sh('-n', sw, 'link', 'set', s, 'up');
      sh('-n', ns, 'addr', 'add', `${hosts.addr(i)}/24`, 'dev', h);
      sh('-n', ns, 'link', 'set', h, 'up');
      sh('-n', ns, 'link', 'set', 'lo', 'up');
    });
  } catch (err) {
    hosts.destroy();
    throw new Error(`could not build the test hosts: ${(err as { stderr?: Buffer }).stderr ?? err}`);
  }
  return hosts;
}
