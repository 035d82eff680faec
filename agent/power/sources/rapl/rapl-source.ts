import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SourceError, type PowerSource, type Probe, type SensorReading } from '../../power-source.js';
import { SysfsAttribute } from '../../sysfs-attribute.js';

/**
 * RAPL energy counters through powercap: /sys/class/powercap/intel-rapl:N
 * (packages, psys) and their sub-zones intel-rapl:N:M (core, uncore, dram),
 * energy_uj cumulative with wraparound at max_energy_range_uj. AMD's RAPL
 * appears under the same names. The intel-rapl-mmio zones repeat the
 * package counter through another interface and are skipped, so nothing is
 * counted twice. Since Linux 5.10 energy_uj is readable by root only.
 */
export function raplSource(sysfsRoot: string): PowerSource {
  const powercap = join(sysfsRoot, 'class/powercap');
  let zones: Zone[] | undefined;
  const closeAll = async (): Promise<void> => {
    await Promise.all((zones ?? []).map((zone) => zone.energy.close()));
  };

  const discover = async (): Promise<Zone[]> => {
    const entries = await readdir(powercap).catch(() => [] as string[]);
    const found: Zone[] = [];
    for (const entry of entries.sort()) {
      if (!/^intel-rapl:\d+(:\d+)?$/.test(entry)) continue; // not intel-rapl-mmio:*, not the control type
      const path = join(powercap, entry);
      const name = (await readFile(join(path, 'name'), 'utf8').catch(() => entry)).trim();
      const parent = /^intel-rapl:(\d+):\d+$/.exec(entry);
      const parentName = parent ? (await readFile(join(powercap, `intel-rapl:${parent[1]}`, 'name'), 'utf8').catch(() => '')).trim() : '';
      const rangeText = await readFile(join(path, 'max_energy_range_uj'), 'utf8').catch(() => '');
      found.push({
        energy: new SysfsAttribute(join(path, 'energy_uj')),
        sensor: parentName === '' ? name : `${parentName}/${name}`,
        rangeJoules: /^\d+$/.test(rangeText.trim()) && Number.isSafeInteger(Number(rangeText.trim())) ? Number(rangeText) / 1e6 : undefined,
      });
    }
    return found;
  };

  const read = async (zone: Zone): Promise<SensorReading | undefined> => {
    const file = zone.energy.path;
    let text: string | undefined;
    try {
      text = await zone.energy.read();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') {
        throw new SourceError(
          `cannot read ${file}: permission denied (root only since Linux 5.10, CVE-2020-8694); run the agent as root, or allow its user: "chmod o+r /sys/class/powercap/intel-rapl:*/energy_uj" at boot (a udev rule or systemd-tmpfiles)`,
        );
      }
      throw new SourceError(`cannot read ${file}: ${code ?? (error as Error).message}`);
    }
    // Never take an unreadable value for 0 J: the next reading would look like a wraparound.
    if (text === undefined || !/^\d+$/.test(text.trim()) || !Number.isSafeInteger(Number(text.trim()))) return undefined;
    return { sensor: zone.sensor, energyJoules: Number(text) / 1e6, ...(zone.rangeJoules === undefined ? {} : { energyRangeJoules: zone.rangeJoules }) };
  };

  return {
    name: 'rapl',
    async probe(): Promise<Probe> {
      await closeAll();
      zones = await discover();
      if (zones.length === 0)
        return {
          ok: false,
          reason: `no RAPL zones under ${powercap} (not an Intel or AMD CPU with RAPL, or the intel_rapl_common module is not loaded: "modprobe intel_rapl_msr")`,
        };
      try {
        await read(zones[0]!);
      } catch (error) {
        return { ok: false, reason: (error as Error).message };
      }
      return { ok: true, sensors: zones.map((z) => z.sensor) };
    },
    async sample(): Promise<SensorReading[]> {
      zones ??= await discover();
      return (await Promise.all(zones.map(read))).filter((reading): reading is SensorReading => reading !== undefined);
    },
    // psys (the platform) contains the packages; sub-zones are parts of their package.
    totalSensors: (sensors) => {
      const packages = sensors.filter((s) => /^package-\d+$/.test(s) || /^dram$/.test(s));
      return packages.length > 0 ? packages : sensors.filter((s) => s === 'psys');
    },
    close: closeAll,
  };
}

interface Zone {
  /** Its energy_uj, kept open. */
  energy: SysfsAttribute;
  sensor: string;
  rangeJoules: number | undefined;
}
