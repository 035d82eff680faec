import { definePowerSource } from '../../power-source-plugin.js';
import { hwmonSource } from './hwmon-source.js';

/** hwmon power and energy sensors: POWER9's OCC (ibmpowernv) first. */
export const hwmonPlugin = definePowerSource({
  name: 'hwmon',
  canBePrimary: true,
  options: {},
  flags: {},
  help: [],
  create: (_options, common) => hwmonSource(common.sysfsRoot),
});
