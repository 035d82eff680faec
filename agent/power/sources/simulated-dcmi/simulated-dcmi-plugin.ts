import { ipmiFlags, ipmiHelp, ipmiOptions, ipmiSettings } from '../../ipmi/ipmi-options.js';
import { ipmitoolRunner } from '../../ipmi/ipmitool-runner.js';
import { definePowerSource } from '../../power-source-plugin.js';
import { ipmiDcmiSource } from '../ipmi-dcmi/ipmi-dcmi-source.js';

/**
 * DCMI power readings from a simulated BMC (OpenIPMI's ipmi_sim, as
 * `npm run demo -- --simulated-bmc` starts it), read exactly as ipmi-dcmi
 * reads a real one, through ipmitool, but named so that every sample, every
 * run's energy source, the CSVs and the report say the watts are simulated.
 * Never chosen by "--power auto".
 */
export const simulatedDcmiPlugin = definePowerSource({
  name: 'simulated-dcmi',
  canBePrimary: true,
  onlyWhenNamed: true,
  options: ipmiOptions,
  flags: ipmiFlags,
  help: [
    `  --power simulated-dcmi  a SIMULATED BMC's DCMI readings (npm run demo --
                        --simulated-bmc): read as ipmi-dcmi reads a real one, and
                        named so in every record; never chosen by auto
`,
    ipmiHelp,
  ],
  create: (options, common) => {
    const { connection, session } = ipmiSettings(options, common.timeoutMs);
    return ipmiDcmiSource(ipmitoolRunner(connection, session), 'simulated-dcmi');
  },
});
