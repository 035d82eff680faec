import type { IpmitoolRunner } from '../../ipmi/ipmitool-runner.js';
import { parseSdrWatts } from './parse-sdr-watts.js';
import { SourceError, type PowerSource, type Probe, type SensorReading } from '../../power-source.js';

/** Names BMCs give to a whole-node power sensor, used when --sdr-sensors does not say. */
const NODE_SENSOR = /^(pwr consumption|power meter|total_?power|sys_?power|system power|power)$/i;

/**
 * Power sensors from the BMC's sensor data records (`ipmitool sdr elist`):
 * PSU input power, "Pwr Consumption", "Total_Power"... With --sdr-sensors
 * only those are read, and their sum is the node figure (e.g. both PSUs).
 */
export function ipmiSdrSource(ipmitool: IpmitoolRunner, configuredSensors: readonly string[]): PowerSource {
  const read = async (signal: AbortSignal): Promise<SensorReading[]> => {
    const { output, code } = await ipmitool.run(['sdr', 'elist'], signal);
    const parsed = parseSdrWatts(output);
    if (!parsed.ok) {
      ipmitool.reset();
      throw new SourceError(`"ipmitool sdr elist" found no power${code === null ? '' : ` (exit ${code})`}: ${parsed.error}`);
    }
    const wanted = configuredSensors.length === 0 ? parsed.sensors : parsed.sensors.filter((s) => configuredSensors.includes(s.sensor));
    if (configuredSensors.length > 0 && wanted.length === 0) {
      throw new SourceError(
        `none of --sdr-sensors (${configuredSensors.join(', ')}) reports Watts; the BMC lists: ${parsed.sensors.map((s) => s.sensor).join(', ')}`,
      );
    }
    return wanted.map((s) => ({ sensor: s.sensor, watts: s.watts }));
  };

  return {
    name: 'ipmi-sdr',
    async probe(signal): Promise<Probe> {
      try {
        return { ok: true, sensors: (await read(signal)).map((r) => r.sensor) };
      } catch (error) {
        return { ok: false, reason: (error as Error).message };
      }
    },
    sample: read,
    totalSensors: (sensors) =>
      configuredSensors.length > 0 ? sensors.filter((s) => configuredSensors.includes(s)) : sensors.filter((s) => NODE_SENSOR.test(s)).slice(0, 1),
    close: () => ipmitool.close(),
  };
}
