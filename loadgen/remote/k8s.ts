/** A Kubernetes Job that runs `bfg agent` pods, for load that must come from a cluster. */
import YAML from 'yaml';
import { AGENT_NODE_FLAGS } from '../agent/plan.js';

/** The Job manifest: parallelism = completions = replicas, each pod one agent joining the coordinator. */
export function k8sJob(o: { replicas: number; join: string; image: string; name: string }): string {
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: o.name, labels: { app: 'bfg-agent' } },
    spec: {
      parallelism: o.replicas,
      completions: o.replicas,
      backoffLimit: 0,
      template: {
        metadata: { labels: { app: 'bfg-agent' } },
        spec: {
          restartPolicy: 'Never',
          containers: [{
            name: 'bfg-agent',
            image: o.image,
            // one run per pod; the pod name keeps agent names unique in the coordinator's list
            command: ['bfg', 'agent', '--join', o.join, '--once', '--name', '$(POD_NAME)'],
            env: [
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              // the agent's heap flags, as local agents are forked with (agent/plan.ts)
              { name: 'NODE_OPTIONS', value: AGENT_NODE_FLAGS.join(' ') },
            ],
            resources: { requests: { cpu: '1', memory: '1Gi' } },
          }],
        },
      },
    },
  };
  return YAML.stringify(job);
}
