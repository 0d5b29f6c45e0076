/**
 * The deploy files as written: Kubernetes manifests valid against the
 * Kubernetes API schemas (kubernetes-models, generated from Kubernetes'
 * OpenAPI) and passing Pod Security "restricted" with the image's numeric
 * user; the compose file valid against the Compose specification (dclint,
 * which carries its schema) and wired to what the host app reads and the
 * images contain; the Dockerfile valid (dockerfile-utils) and copying only
 * what exists in the build context. No network: the schemas come with the
 * packages.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { DCLinter } from 'dclint';
import { validate as validateDockerfile } from 'dockerfile-utils';
import { REPO_ROOT } from '../helpers/spawn-sidecar.js';
import { restrictedViolations } from '../helpers/pod-security.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const KUBE_DIR = join(REPO_ROOT, 'deploy/kubernetes');
const COMPOSE = join(REPO_ROOT, 'deploy/docker-compose.yml');

const kubeDocuments: Array<{ file: string; doc: Obj }> = readdirSync(KUBE_DIR)
  .filter((file) => file.endsWith('.yaml'))
  .flatMap((file) => parseAllDocuments(readFileSync(join(KUBE_DIR, file), 'utf8')).map((document) => ({ file, doc: document.toJS() as Obj })));

const DOCKERFILE = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');

/** The stages of the Dockerfile by name (`FROM … AS name`). */
function stages(): Map<string, string> {
  return new Map(DOCKERFILE.split(/^(?=FROM )/m).slice(1).map((stage) => [/^FROM \S+ AS (\S+)/.exec(stage)?.[1] ?? '', stage]));
}

/** A stage's `USER uid:gid`. */
function imageUser(stage: string): string | undefined {
  return /^USER (\S+)/m.exec(stages().get(stage) ?? '')?.[1];
}

async function kubernetesModel(doc: Obj): Promise<{ validate(): void }> {
  const [group, version] = String(doc.apiVersion).includes('/') ? String(doc.apiVersion).split('/') : ['', doc.apiVersion];
  const module = (await import(/* @vite-ignore */ `kubernetes-models/${group ? `${group}/` : ''}${version}/${doc.kind}`)) as Record<string, new (data: Obj) => { validate(): void }>;
  const Model = module[doc.kind];
  if (!Model) throw new Error(`kubernetes-models has no ${doc.apiVersion} ${doc.kind}`);
  return new Model(doc);
}

describe('Kubernetes manifests', () => {
  it('are valid Kubernetes API objects', async () => {
    expect(kubeDocuments.map(({ doc }) => `${doc.kind}/${doc.metadata.name}`).sort()).toEqual(['ConfigMap/assistant-sidecar', 'Deployment/assistant', 'Deployment/shop', 'Secret/squire-assistant-store', 'Secret/squire-assistant-token', 'Service/assistant']);
    for (const { file, doc } of kubeDocuments) {
      const model = await kubernetesModel(doc);
      expect(() => model.validate(), `${file}: ${doc.kind}/${doc.metadata.name}`).not.toThrow();
    }
  });

  it('reject what the schema rejects (the check can fail)', async () => {
    const deployment = structuredClone(kubeDocuments.find(({ doc }) => doc.kind === 'Deployment')!.doc);
    deployment.spec.template.spec.securityContext.runAsUser = 'node';
    await expect(kubernetesModel(deployment).then((model) => model.validate())).rejects.toThrow(/runAsUser must be integer/);
  });

  it('let Prometheus scrape the native sidecar on its health port, without the token', () => {
    const shop = kubeDocuments.find(({ doc }) => doc.kind === 'Deployment' && doc.metadata.name === 'shop')!.doc;
    const sidecar = shop.spec.template.spec.initContainers[0];
    const env = Object.fromEntries((sidecar.env as Obj[]).map((entry) => [entry.name, entry.value]));
    expect(env.SQUIRE_METRICS_ON_HEALTH_PORT).toBe('true');
    expect(shop.spec.template.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': env.SQUIRE_HEALTH_PORT, 'prometheus.io/path': '/metrics' });
    expect(sidecar.ports).toContainEqual({ name: 'health', containerPort: Number(env.SQUIRE_HEALTH_PORT) });
  });

  it('pass Pod Security "restricted"', () => {
    for (const { file, doc } of kubeDocuments.filter(({ doc }) => doc.kind === 'Deployment')) {
      expect(restrictedViolations(doc.spec.template), `${file}: ${doc.metadata.name}`).toEqual([]);
    }
  });

  it('run as the image’s numeric user and group, on a read-only root, draining within the grace period', () => {
    const user = imageUser('sidecar');
    expect(user).toMatch(/^\d+:\d+$/);
    const [uid, gid] = user!.split(':').map(Number);
    const configMaps = Object.fromEntries(kubeDocuments.filter(({ doc }) => doc.kind === 'ConfigMap').map(({ doc }) => [doc.metadata.name, doc.data as Record<string, string>]));
    for (const { doc } of kubeDocuments.filter(({ doc }) => doc.kind === 'Deployment')) {
      const spec = doc.spec.template.spec;
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: uid, runAsGroup: gid });
      for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
        expect(container.securityContext.readOnlyRootFilesystem, container.name).toBe(true);
        if (!String(container.image).startsWith('squire-sidecar:')) continue;
        const env: Record<string, string> = Object.assign({}, ...(container.envFrom ?? []).map((from: Obj) => configMaps[from.configMapRef.name]), ...(container.env ?? []).filter((item: Obj) => 'value' in item).map((item: Obj) => ({ [item.name]: item.value })));
        expect(spec.terminationGracePeriodSeconds * 1000, container.name).toBeGreaterThan(Number(env.SQUIRE_GRACE_MS ?? 25_000));
        expect(existsSync(join(REPO_ROOT, 'examples/agents/src', posix.basename(env.SQUIRE_AGENT ?? '')))).toBe(true);
        const mounts = new Set((container.volumeMounts as Obj[]).map((mount) => mount.mountPath));
        for (const writable of ['/tmp', env.SQUIRE_DATA_DIR ?? '/tmp']) expect(mounts, `${container.name} mounts ${writable}`).toContain(writable);
        if (env.SQUIRE_HOST !== '127.0.0.1') expect(env.SQUIRE_TOKEN_FILE, `${container.name} on the pod network needs a token`).toBeDefined();
      }
    }
  });

  it('keep the state of replicas in PostgreSQL (URL from a Secret), and a sidecar in the app’s pod on its own SQLite volume', () => {
    const configMaps = Object.fromEntries(kubeDocuments.filter(({ doc }) => doc.kind === 'ConfigMap').map(({ doc }) => [doc.metadata.name, doc.data as Record<string, string>]));
    const secrets = Object.fromEntries(kubeDocuments.filter(({ doc }) => doc.kind === 'Secret').map(({ doc }) => [doc.metadata.name, doc.stringData as Record<string, string>]));
    const replicas = kubeDocuments.find(({ doc }) => doc.kind === 'Deployment' && doc.metadata.name === 'assistant')!.doc.spec.template.spec;
    const sidecar = replicas.containers.find((container: Obj) => container.name === 'sidecar');
    const env = Object.assign({}, ...sidecar.envFrom.map((from: Obj) => configMaps[from.configMapRef.name]));
    expect(env.SQUIRE_DATA_DIR).toBeUndefined();
    expect(env.SQUIRE_STORE_URL).toBeUndefined();
    const mount = (sidecar.volumeMounts as Obj[]).find((item) => String(env.SQUIRE_STORE_FILE).startsWith(`${item.mountPath}/`))!;
    const volume = (replicas.volumes as Obj[]).find((item) => item.name === mount.name)!;
    const url = secrets[volume.secret.secretName]![posix.basename(env.SQUIRE_STORE_FILE)]!;
    expect(url).toMatch(/^postgres:\/\/[^@]+@[^/]+\/\w+\?sslmode=require$/);
    expect((replicas.volumes as Obj[]).filter((item) => item.emptyDir).map((item) => item.name)).toEqual(['tmp']);

    const inPod = kubeDocuments.find(({ doc }) => doc.metadata.name === 'shop')!;
    const assistant = inPod.doc.spec.template.spec.initContainers[0];
    const dataDir = (assistant.env as Obj[]).find((item) => item.name === 'SQUIRE_DATA_DIR')!.value;
    expect((assistant.volumeMounts as Obj[]).map((item) => item.mountPath)).toContain(dataDir);
    const text = readFileSync(join(KUBE_DIR, inPod.file), 'utf8').replace(/\n#\s*/g, ' ');
    expect(text).toMatch(/Where state lives: in SQLite files on the pod's own volume/);
    expect(text).toMatch(/Deleting the pod .* deletes the volume: runs still queued there, .* are gone/);
  });

  it('name only Secrets and ConfigMaps that are defined here or optional', () => {
    const defined = new Set(kubeDocuments.map(({ doc }) => `${doc.kind}/${doc.metadata.name}`));
    for (const { doc } of kubeDocuments.filter(({ doc }) => doc.kind === 'Deployment')) {
      const spec = doc.spec.template.spec;
      for (const volume of spec.volumes) if (volume.secret) expect(defined).toContain(`Secret/${volume.secret.secretName}`);
      for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
        for (const from of container.envFrom ?? []) expect(defined).toContain(`ConfigMap/${from.configMapRef.name}`);
        for (const item of container.env ?? []) if (item.valueFrom?.secretKeyRef && !item.valueFrom.secretKeyRef.optional) expect(defined).toContain(`Secret/${item.valueFrom.secretKeyRef.name}`);
      }
    }
  });
});

describe('Pod Security "restricted" check', () => {
  const compliant = () => ({
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'c', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
      volumes: [{ name: 'tmp', emptyDir: {} }],
    },
  });

  it('passes a compliant pod', () => {
    expect(restrictedViolations(compliant())).toEqual([]);
  });

  it('flags the pods these manifests used to have: runAsNonRoot alone, no seccomp, capabilities kept', () => {
    const before = { spec: { containers: [{ name: 'sidecar', securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false } }] } };
    expect(restrictedViolations(before)).toEqual([
      'containers[sidecar]: Seccomp (restricted): no RuntimeDefault or Localhost profile (pod or container)',
      'containers[sidecar]: Capabilities (restricted): must drop ALL',
    ]);
  });

  it('flags each control on its own', () => {
    const cases: Array<[string, (pod: ReturnType<typeof compliant>) => void]> = [
      ['Host namespaces', (pod) => Object.assign(pod.spec, { hostNetwork: true })],
      ['Privileged containers', (pod) => Object.assign(pod.spec.containers[0]!.securityContext, { privileged: true })],
      ['HostPath volumes', (pod) => pod.spec.volumes.push({ name: 'h', hostPath: { path: '/' } } as never)],
      ['Host ports', (pod) => Object.assign(pod.spec.containers[0]!, { ports: [{ containerPort: 80, hostPort: 80 }] })],
      ['Volume types', (pod) => pod.spec.volumes.push({ name: 'n', nfs: { server: 's', path: '/' } } as never)],
      ['Privilege escalation', (pod) => Object.assign(pod.spec.containers[0]!.securityContext, { allowPrivilegeEscalation: true })],
      ['Running as non-root:', (pod) => Object.assign(pod.spec.securityContext, { runAsNonRoot: false })],
      ['Running as non-root user', (pod) => Object.assign(pod.spec.securityContext, { runAsUser: 0 })],
      ['Seccomp', (pod) => Object.assign(pod.spec.securityContext, { seccompProfile: { type: 'Unconfined' } })],
      ['Capabilities (restricted): adds', (pod) => Object.assign(pod.spec.containers[0]!.securityContext.capabilities, { add: ['CHOWN'] })],
      ['Capabilities (baseline)', (pod) => Object.assign(pod.spec.containers[0]!.securityContext.capabilities, { add: ['SYS_ADMIN'] })],
      ['/proc mount type', (pod) => Object.assign(pod.spec.containers[0]!.securityContext, { procMount: 'Unmasked' })],
      ['Sysctls', (pod) => Object.assign(pod.spec.securityContext, { sysctls: [{ name: 'kernel.msgmax', value: '1' }] })],
      ['SELinux', (pod) => Object.assign(pod.spec.securityContext, { seLinuxOptions: { type: 'spc_t' } })],
    ];
    for (const [control, breakIt] of cases) {
      const pod = compliant();
      breakIt(pod);
      expect(restrictedViolations(pod).join('\n'), control).toContain(control);
    }
    const init = compliant();
    (init.spec as Obj).initContainers = [{ name: 'setup' }];
    expect(restrictedViolations(init)).toContain('initContainers[setup]: Capabilities (restricted): must drop ALL');
  });
});

describe('docker compose file', () => {
  const compose = parse(readFileSync(COMPOSE, 'utf8'), { merge: true }) as Obj; // compose applies << merge keys
  const services = compose.services as Record<string, Obj>;

  it('is valid against the Compose specification', () => {
    const [result] = new DCLinter({ rules: {}, quiet: true, debug: false, exclude: [] }).lintFiles([COMPOSE], false);
    expect(result!.messages.filter((message: { type: string }) => message.type === 'error')).toEqual([]);
  });

  it('builds every image it runs, from a stage of the Dockerfile', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.build, `${name} is built here`).toBeDefined();
      expect(join(dirname(COMPOSE), service.build.context, service.build.dockerfile)).toBe(join(REPO_ROOT, 'Dockerfile'));
      expect(stages().has(service.build.target), `${name}: stage ${service.build.target}`).toBe(true);
    }
    expect([...stages().keys()].at(-1), 'the sidecar is the default target').toBe('sidecar');
  });

  it('gives the host app every variable it reads, pointing at a sidecar that serves there', () => {
    const app = services.app!;
    const source = readFileSync(join(REPO_ROOT, 'examples/host-app/src/main.ts'), 'utf8');
    const read = new Set([...source.matchAll(/process\.env\.([A-Z_]+)/g)].map((match) => match[1]!));
    expect(read).toEqual(new Set(['ECHO_URL', 'SLOW_URL', 'SQUIRE_TOKEN', 'SQUIRE_TOKEN_FILE']));
    for (const variable of ['ECHO_URL', 'SLOW_URL', 'SQUIRE_TOKEN_FILE']) expect(Object.keys(app.environment)).toContain(variable);

    const echoUrl = new URL(app.environment.ECHO_URL);
    const echo = services[echoUrl.hostname]!;
    expect(echo, `a service named ${echoUrl.hostname}`).toBeDefined();
    expect(echo.environment).toMatchObject({ SQUIRE_HOST: '0.0.0.0', SQUIRE_PORT: echoUrl.port, SQUIRE_TOKEN_FILE: app.environment.SQUIRE_TOKEN_FILE });
    expect(echo.secrets).toEqual(app.secrets);

    const socket = String(app.environment.SLOW_URL).replace(/^unix:/, '');
    const slow = Object.values(services).find((service) => service.environment?.SQUIRE_SOCKET === socket);
    expect(slow, `a sidecar serving ${socket}`).toBeDefined();
    const volumeAt = (service: Obj) => (service.volumes as string[]).find((volume) => volume.endsWith(`:${posix.dirname(socket)}`));
    expect(volumeAt(slow!)).toBeDefined();
    expect(volumeAt(slow!)).toBe(volumeAt(app));
    expect(Object.keys(app.depends_on).sort()).toEqual([echoUrl.hostname, Object.entries(services).find(([, service]) => service === slow)![0]].sort());
  });

  it('runs agents the image carries, with the grace the drain needs and a real token', () => {
    for (const [name, service] of Object.entries(services).filter(([, service]) => service.environment?.SQUIRE_AGENT)) {
      expect(existsSync(join(REPO_ROOT, 'examples/agents/src', posix.basename(service.environment.SQUIRE_AGENT))), name).toBe(true);
      expect(Number.parseInt(service.stop_grace_period, 10) * 1000, name).toBeGreaterThan(Number(service.environment.SQUIRE_GRACE_MS ?? 25_000));
      expect(service.read_only, name).toBe(true);
    }
    const token = readFileSync(join(dirname(COMPOSE), compose.secrets.squire_token.file), 'utf8').trim();
    expect(token.length).toBeGreaterThanOrEqual(16);
  });
});

describe('Dockerfile', () => {
  const ignored = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((pattern) => new RegExp(`^${pattern.replace(/\./g, '\\.').replace(/\*\*\//g, '(.*/)?').replace(/\*/g, '[^/]*')}(/|$)`));

  it('is valid and copies only what the build context holds', () => {
    expect(validateDockerfile(DOCKERFILE).filter((diagnostic) => diagnostic.severity === 1)).toEqual([]);
    for (const [, args] of DOCKERFILE.matchAll(/^COPY (?!--from)(.+)$/gm)) {
      const sources = args!.replace(/--\S+/g, '').trim().split(/\s+/).slice(0, -1);
      for (const source of sources) {
        expect(existsSync(join(REPO_ROOT, source)), `COPY ${source}`).toBe(true);
        expect(ignored.some((pattern) => pattern.test(source.replace(/\/$/, ''))), `${source} is not .dockerignored`).toBe(false);
      }
    }
  });

  it('runs the host app and the sidecar as the same numeric user, so the socket volume works for both', () => {
    expect(imageUser('host-app')).toMatch(/^\d+:\d+$/);
    expect(imageUser('host-app')).toBe(imageUser('sidecar'));
  });
});
