import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SourceError, type PowerSource, type Probe, type SensorReading } from '../../power-source.js';
import { SysfsAttribute } from '../../sysfs-attribute.js';

/**
 * hwmon power and energy: /sys/class/hwmon/hwmonN/power*_input (µW) and
 * energy*_input (µJ, cumulative), named by *_label. POWER9's OCC driver
 * (ibmpowernv) is the first-class case: System, Proc, Vdd, Vdn, GPU... A
 * label with both an energy counter and a power reading is read from the
 * energy counter, which misses nothing between samples. Sensors are named
 * "<driver>/<label>", e.g. "ibmpowernv/System".
 */
export function hwmonSource(sysfsRoot: string): PowerSource {
  const hwmon = join(sysfsRoot, 'class/hwmon');
  let sensors: HwmonSensor[] | undefined;
  const closeAll = async (): Promise<void> => {
    await Promise.all((sensors ?? []).map((sensor) => sensor.attribute.close()));
  };

  const discover = async (): Promise<HwmonSensor[]> => {
    const found: HwmonSensor[] = [];
    for (const device of (await readdir(hwmon).catch(() => [] as string[])).sort()) {
      const path = join(hwmon, device);
      const driver = (await readFile(join(path, 'name'), 'utf8').catch(() => device)).trim();
      const files = await readdir(path).catch(() => [] as string[]);
      const byLabel = new Map<string, { powerFile?: string; energyFile?: string }>();
      for (const file of files.sort()) {
        const match = /^(power|energy)(\d+)_input$/.exec(file);
        if (!match) continue;
        const [, kind, index] = match;
        const label = (await readFile(join(path, `${kind}${index}_label`), 'utf8').catch(() => `${kind}${index}`)).trim();
        const name = `${driver}/${label}`;
        const paths = byLabel.get(name) ?? {};
        if (kind === 'energy') paths.energyFile = join(path, file);
        else paths.powerFile = join(path, file);
        byLabel.set(name, paths);
      }
      for (const [name, { energyFile, powerFile }] of byLabel) {
        found.push({ sensor: name, energy: energyFile !== undefined, attribute: new SysfsAttribute((energyFile ?? powerFile)!) });
      }
    }
    return found;
  };

  const read = async (sensor: HwmonSensor): Promise<SensorReading | undefined> => {
    const file = sensor.attribute.path;
    let text: string | undefined;
    try {
      text = await sensor.attribute.read();
    } catch (error) {
      // Some OCC sensors read ENODATA/EIO while the OCC is resetting: no reading this time.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENODATA' || code === 'EIO' || code === 'EAGAIN') return undefined;
      throw new SourceError(`cannot read ${file}: ${code ?? (error as Error).message}`);
    }
    // Never take an unreadable value for 0 (a counter would seem to wrap), nor a negative or endless one.
    if (text === undefined || !/^\d+$/.test(text.trim())) return undefined;
    const value = Number(text.trim());
    if (!Number.isSafeInteger(value)) return undefined;
    return sensor.energy ? { sensor: sensor.sensor, energyJoules: value / 1e6 } : { sensor: sensor.sensor, watts: value / 1e6 };
  };

  return {
    name: 'hwmon',
    async probe(): Promise<Probe> {
      await closeAll();
      sensors = await discover();
      if (sensors.length === 0)
        return {
          ok: false,
          reason: `no power*_input or energy*_input under ${hwmon} (no hwmon driver here reports power; on POWER9 the OCC driver is ibmpowernv)`,
        };
      return { ok: true, sensors: sensors.map((s) => s.sensor) };
    },
    async sample(): Promise<SensorReading[]> {
      sensors ??= await discover();
      const readings = await Promise.all(sensors.map(read));
      return readings.filter((r): r is SensorReading => r !== undefined);
    },
    // The OCC's System sensor is the whole node; otherwise no single sum is meaningful.
    totalSensors: (names) => names.filter((name) => /\/System$/i.test(name)),
    close: closeAll,
  };
}

interface HwmonSensor {
  sensor: string;
  /** Read from energy*_input (µJ, cumulative) rather than power*_input (µW). */
  energy: boolean;
  attribute: SysfsAttribute;
}
