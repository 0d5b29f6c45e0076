/**
 * Kubernetes Pod Security Standards, "restricted" profile (which includes
 * "baseline"), control by control as the profile's definition lists them
 * (kubernetes.io/docs/concepts/security/pod-security-standards, the policy
 * of k8s.io/pod-security-admission, latest version). Takes a pod spec (and
 * its metadata), returns one line per violation; nothing means it passes.
 */

type Obj = Record<string, unknown>;

interface SecurityContext {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  procMount?: string;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type?: string };
  appArmorProfile?: { type?: string };
  seLinuxOptions?: { type?: string; user?: string; role?: string };
  windowsOptions?: { hostProcess?: boolean };
  sysctls?: Array<{ name: string }>;
}

interface Container {
  name: string;
  securityContext?: SecurityContext;
  ports?: Array<{ hostPort?: number }>;
}

const BASELINE_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);
const SAFE_SYSCTLS = new Set(['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes']);

/** Violations of "restricted" by a pod template (`{ metadata, spec }`). */
export function restrictedViolations(template: { metadata?: Obj; spec: Obj }): string[] {
  const spec = template.spec as Obj & { securityContext?: SecurityContext; volumes?: Obj[] };
  const pod = spec.securityContext ?? {};
  const containers = (['initContainers', 'containers', 'ephemeralContainers'] as const).flatMap((field) => ((spec[field] as Container[] | undefined) ?? []).map((container) => ({ ...container, field })));
  const problems: string[] = [];
  const each = (check: (context: SecurityContext, container: Container & { field: string }) => string | undefined) => {
    for (const container of containers) {
      const problem = check(container.securityContext ?? {}, container);
      if (problem) problems.push(`${container.field}[${container.name}]: ${problem}`);
    }
  };

  // Baseline
  if (pod.windowsOptions?.hostProcess) problems.push('HostProcess: pod sets windowsOptions.hostProcess');
  each((context) => (context.windowsOptions?.hostProcess ? 'HostProcess: windowsOptions.hostProcess' : undefined));
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[field] === true) problems.push(`Host namespaces: ${field} is true`);
  each((context) => (context.privileged ? 'Privileged containers: privileged is true' : undefined));
  each((context) => {
    const added = (context.capabilities?.add ?? []).filter((capability) => !BASELINE_CAPABILITIES.has(capability));
    return added.length > 0 ? `Capabilities (baseline): adds ${added.join(', ')}` : undefined;
  });
  for (const volume of spec.volumes ?? []) if ('hostPath' in volume) problems.push(`HostPath volumes: ${String(volume.name)}`);
  each((_context, container) => ((container.ports ?? []).some((port) => port.hostPort !== undefined && port.hostPort !== 0) ? 'Host ports: hostPort is set' : undefined));
  const annotations = (template.metadata?.annotations as Record<string, string> | undefined) ?? {};
  for (const [key, value] of Object.entries(annotations)) {
    if (key.startsWith('container.apparmor.security.beta.kubernetes.io/') && value !== 'runtime/default' && !value.startsWith('localhost/')) problems.push(`AppArmor: ${key} is ${value}`);
  }
  if (pod.appArmorProfile?.type === 'Unconfined') problems.push('AppArmor: pod appArmorProfile is Unconfined');
  each((context) => (context.appArmorProfile?.type === 'Unconfined' ? 'AppArmor: appArmorProfile is Unconfined' : undefined));
  const seLinux = (options: SecurityContext['seLinuxOptions'], where: string) => {
    if (!options) return;
    if (!SELINUX_TYPES.has(options.type ?? '')) problems.push(`SELinux: ${where} type ${options.type}`);
    if (options.user || options.role) problems.push(`SELinux: ${where} sets user or role`);
  };
  seLinux(pod.seLinuxOptions, 'pod');
  for (const container of containers) seLinux(container.securityContext?.seLinuxOptions, `${container.field}[${container.name}]`);
  each((context) => (context.procMount !== undefined && context.procMount !== 'Default' ? `/proc mount type: ${context.procMount}` : undefined));
  if (pod.seccompProfile?.type === 'Unconfined') problems.push('Seccomp: pod seccompProfile is Unconfined');
  each((context) => (context.seccompProfile?.type === 'Unconfined' ? 'Seccomp: seccompProfile is Unconfined' : undefined));
  for (const sysctl of pod.sysctls ?? []) if (!SAFE_SYSCTLS.has(sysctl.name)) problems.push(`Sysctls: ${sysctl.name} is not in the safe set`);

  // Restricted
  for (const volume of spec.volumes ?? []) {
    const type = Object.keys(volume).find((key) => key !== 'name');
    if (type && !RESTRICTED_VOLUMES.has(type)) problems.push(`Volume types: ${String(volume.name)} is ${type}`);
  }
  each((context) => (context.allowPrivilegeEscalation !== false ? 'Privilege escalation: allowPrivilegeEscalation must be false' : undefined));
  each((context) => {
    if (context.runAsNonRoot === false) return 'Running as non-root: runAsNonRoot is false';
    return context.runAsNonRoot !== true && pod.runAsNonRoot !== true ? 'Running as non-root: runAsNonRoot must be true (pod or container)' : undefined;
  });
  if (pod.runAsUser === 0) problems.push('Running as non-root user: pod runAsUser is 0');
  each((context) => (context.runAsUser === 0 ? 'Running as non-root user: runAsUser is 0' : undefined));
  const allowedSeccomp = (type: string | undefined) => type === 'RuntimeDefault' || type === 'Localhost';
  each((context) => {
    const type = context.seccompProfile?.type;
    if (type !== undefined) return allowedSeccomp(type) ? undefined : `Seccomp (restricted): seccompProfile ${type}`;
    return allowedSeccomp(pod.seccompProfile?.type) ? undefined : 'Seccomp (restricted): no RuntimeDefault or Localhost profile (pod or container)';
  });
  each((context) => {
    if (!(context.capabilities?.drop ?? []).includes('ALL')) return 'Capabilities (restricted): must drop ALL';
    const added = (context.capabilities?.add ?? []).filter((capability) => capability !== 'NET_BIND_SERVICE');
    return added.length > 0 ? `Capabilities (restricted): adds ${added.join(', ')}` : undefined;
  });
  return problems;
}
