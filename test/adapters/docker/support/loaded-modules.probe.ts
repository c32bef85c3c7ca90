// Run in a fresh process by docker-client.factory.test.ts: builds the client, prints which of
// the transports RTM never uses were loaded, then uses the ssh one (it must still work).
import { createRequire } from 'node:module';
import { createDockerClient } from '../../../../src/adapters/docker/docker-client.factory.js';

const require = createRequire(import.meta.url);
const loaded = (part: string) => Object.keys(require.cache).some((k) => k.includes(part));
createDockerClient('unix:///var/run/docker.sock');
const before = { ssh2: loaded('/node_modules/ssh2/'), grpc: loaded('/node_modules/@grpc/') };
const modem = createRequire(require.resolve('dockerode'))('docker-modem') as new (o: object) => { buildRequest?: unknown };
const sshModem = new modem({ protocol: 'ssh', host: '127.0.0.1', port: 1 });
const sshAgent = createRequire(createRequire(require.resolve('dockerode')).resolve('docker-modem'))('./ssh.js') as (o: object) => { createConnection?: unknown };
const agent = sshAgent({ host: '127.0.0.1', port: 1 });
process.stdout.write(JSON.stringify({ before, after: { ssh2: loaded('/node_modules/ssh2/') }, agent: typeof agent.createConnection, modem: typeof sshModem }));
