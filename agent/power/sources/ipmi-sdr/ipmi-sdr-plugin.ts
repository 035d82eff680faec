import { commaList } from '../../../comma-list.js';
import { ipmiFlags, ipmiHelp, ipmiOptions, ipmiSettings } from '../../ipmi/ipmi-options.js';
import { ipmitoolRunner } from '../../ipmi/ipmitool-runner.js';
import { definePowerSource } from '../../power-source-plugin.js';
import { ipmiSdrSource } from './ipmi-sdr-source.js';

/** Power sensors from the BMC's sensor data records (PSU input, "Pwr Consumption"). */
export const ipmiSdrPlugin = definePowerSource({
  name: 'ipmi-sdr',
  canBePrimary: true,
  options: { ...ipmiOptions, sdr_sensors: commaList.default([]) },
  flags: { ...ipmiFlags, 'sdr-sensors': { type: 'string' } },
  help: [ipmiHelp, "  --sdr-sensors LIST    the SDR sensors to read; their sum is the node's power\n"],
  create: (options, common) => {
    const { connection, session } = ipmiSettings(options, common.timeoutMs);
    return ipmiSdrSource(ipmitoolRunner(connection, session), options.sdr_sensors);
  },
});
