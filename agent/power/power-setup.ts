import { readSecretFile } from '../secret-file.js';
import type { Logger } from 'pino';
import type { PowerSample, PowerSourceStatus } from '../../proto/records.js';
import { PowerSampler } from './power-sampler.js';
import { createPowerSources } from './source-registry.js';

/** The power options of run and probe (config.ts). */
export interface PowerConfig {
  power: readonly string[];
  power_period_ms: number;
  power_timeout: number;
  sysfs_root: string;
  ipmitool_path: string;
  ipmi_host?: string | undefined;
  ipmi_port?: number | undefined;
  ipmi_user?: string | undefined;
  ipmi_password?: string | undefined;
  ipmi_password_file?: string | undefined;
  ipmi_cipher_suite?: number | undefined;
  ipmi_args: string;
  ipmi_session: 'shell' | 'process';
  sdr_sensors: readonly string[];
  nvidia_smi_path: string;
}

export function createPowerSampler(config: PowerConfig, sinks: { onSamples(samples: PowerSample[]): void; onStatus(status: PowerSourceStatus): void; logger: Logger }): PowerSampler {
  const sources = createPowerSources(config.power, {
    sysfsRoot: config.sysfs_root,
    ipmi: {
      ipmitoolPath: config.ipmitool_path,
      ...(config.ipmi_host === undefined ? {} : { host: config.ipmi_host }),
      ...(config.ipmi_port === undefined ? {} : { port: config.ipmi_port }),
      ...(config.ipmi_user === undefined ? {} : { user: config.ipmi_user }),
      ...passwordOf(config),
      ...(config.ipmi_cipher_suite === undefined ? {} : { cipherSuite: config.ipmi_cipher_suite }),
      extraArgs: config.ipmi_args.split(/\s+/).filter((arg) => arg !== ''),
      timeoutMs: config.power_timeout * 1000,
    },
    ipmiSession: config.ipmi_session,
    sdrSensors: config.sdr_sensors,
    nvidiaSmiPath: config.nvidia_smi_path,
    periodMs: config.power_period_ms,
  });
  return new PowerSampler(sources, { periodMs: config.power_period_ms, timeoutMs: config.power_timeout * 1000, maxBackoffMs: 60_000, maxReadingsPerSource: 200_000 }, sinks);
}

/** The BMC password from --ipmi-password-file (mode 0600) or POWERPROF_IPMI_PASSWORD; never a flag. */
function passwordOf(config: PowerConfig): { password?: string } {
  if (config.ipmi_password_file !== undefined) return { password: readSecretFile(config.ipmi_password_file, '--ipmi-password-file') };
  return config.ipmi_password === undefined ? {} : { password: config.ipmi_password };
}
