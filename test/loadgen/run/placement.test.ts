import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { agentPriority, cpuCount, pinnedCommand, placementLine, raiseToRealtime, REALTIME, splitCpus } from '../../../loadgen/run/placement.js';

test('the gateway gets CPU 0 and the generator the rest; one CPU is not split', () => {
  assert.equal(splitCpus(1), undefined);
  assert.deepEqual(splitCpus(2), { gateway: '0', generator: '1' });
  assert.deepEqual(splitCpus(16), { gateway: '0', generator: '1-15' });
});

test('a pinned gateway starts under taskset, an unpinned one as it is, and the summary line says which', () => {
  assert.deepEqual(pinnedCommand({ gateway: '0', generator: '1' }, ['node', 'bfg.js', 'serve']), ['taskset', ['-c', '0', 'node', 'bfg.js', 'serve']]);
  assert.deepEqual(pinnedCommand({ unpinned: 'x' }, ['node', 'bfg.js']), ['node', ['bfg.js']]);
  assert.match(placementLine({ unpinned: 'one CPU' })!, /not pinned \(one CPU\)/);
  assert.equal(placementLine(undefined), undefined);
});

/** a task's scheduling policy from /proc (field 41 of stat: 0 normal, 1 SCHED_FIFO) */
const policy = (pid: number): number => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[38]);

test('an agent raised to real time runs SCHED_FIFO, and what it starts afterwards does not inherit it', async () => {
  // a shell that forks its second sleep after being raised: that child must come back to normal priority
  const sh = spawn('sh', ['-c', 'sleep 0.3; sleep 5'], { stdio: 'ignore' });
  try {
    assert.equal(policy(sh.pid!), 0);
    const raised = raiseToRealtime(sh.pid!);
    // root (or CAP_SYS_NICE) may, anyone else is refused: the call says which, and the policy agrees
    assert.equal(raised, process.getuid?.() === 0, 'root can raise a process to SCHED_FIFO');
    assert.equal(policy(sh.pid!), raised ? 1 : 0);
    const later = (): number | undefined => readFileSync(`/proc/${sh.pid}/task/${sh.pid}/children`, 'utf8').trim().split(' ').map(Number)
      .find((c) => c > 0 && readFileSync(`/proc/${c}/cmdline`, 'utf8') === 'sleep\0' + '5\0');
    const deadline = Date.now() + 5000;
    while (later() === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(later(), 'the shell started its second sleep');
    assert.equal(policy(later()!), 0, 'a child started after the raise runs at normal priority (reset on fork)');
  } finally {
    sh.kill();
  }
});

test('agents go real time only when pinned, not turned off, and one per generator CPU', () => {
  const pinned = { gateway: '0', generator: '1-3' };
  assert.deepEqual(cpuCount('1'), 1);
  assert.deepEqual(cpuCount('1-15'), 15);
  assert.deepEqual(cpuCount('1,3-4'), 3);
  assert.deepEqual(agentPriority(pinned, 3, {}), { raise: true, label: REALTIME });
  assert.match(agentPriority(pinned, 4, {}).label!, /normal priority: 4 agents on 3 CPU\(s\)/);
  assert.equal(agentPriority(pinned, 4, {}).raise, false);
  assert.deepEqual(agentPriority(pinned, 1, { BFG_NO_RT: '1' }), { raise: false, label: 'normal priority (BFG_NO_RT is set)' });
  assert.deepEqual(agentPriority({ unpinned: 'one CPU' }, 1, {}), { raise: false });
  assert.deepEqual(agentPriority(undefined, 1, {}), { raise: false });
});
