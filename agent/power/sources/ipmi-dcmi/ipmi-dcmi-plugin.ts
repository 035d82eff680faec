import { ipmiFlags, ipmiHelp, ipmiOptions, ipmiSettings } from '../../ipmi/ipmi-options.js';
import { ipmitoolRunner } from '../../ipmi/ipmitool-runner.js';
import { definePowerSource } from '../../power-source-plugin.js';
import { ipmiDcmiSource } from './ipmi-dcmi-source.js';

/** The BMC's DCMI power reading: the node at the wall, what the original experiment sampled. */
export const ipmiDcmiPlugin = definePowerSource({
  name: 'ipmi-dcmi',
  canBePrimary: true,
  options: ipmiOptions,
  flags: ipmiFlags,
  help: [ipmiHelp],
  create: (options, common) => {
    const { connection, session } = ipmiSettings(options, common.timeoutMs);
    return ipmiDcmiSource(ipmitoolRunner(connection, session));
  },
});
