import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { IpmiConnection } from '../../../agent/power/ipmi/ipmitool.js';
import { ipmitoolRunner, type IpmitoolSession } from '../../../agent/power/ipmi/ipmitool-runner.js';
import { ipmiDcmiSource } from '../../../agent/power/sources/ipmi-dcmi/ipmi-dcmi-source.js';
import { ipmiSdrSource } from '../../../agent/power/sources/ipmi-sdr/ipmi-sdr-source.js';
import type { PowerSource } from '../../../agent/power/power-source.js';
import { freePort } from '../../support/free-port.js';
import { ipmiSimulatorUnavailable, simulatorConnection, startIpmiSimulator, type IpmiSimulator } from '../../support/ipmi-simulator.js';

const unavailable = ipmiSimulatorUnavailable();

for (const session of ['process', 'shell'] as IpmitoolSession[])
  describe(
    `real ipmitool against OpenIPMI's ipmi_sim, ${session === 'shell' ? 'one ipmitool shell session' : 'a process per reading'}`,
    { skip: unavailable === undefined ? false : `the BMC simulator cannot run here: ${unavailable}` },
    () => {
      let bmc: IpmiSimulator;
      let connection: IpmiConnection;
      // Shell sessions stay open until their source is closed.
      const opened: PowerSource[] = [];
      const open = (source: PowerSource): PowerSource => (opened.push(source), source);
      afterEach(async () => {
        await Promise.all(opened.splice(0).map((source) => source.close()));
      });
      before(async () => {
        bmc = await startIpmiSimulator();
        connection = simulatorConnection(bmc);
      });
      after(async () => {
        await bmc?.stop();
      });

      it("DCMI: reads the BMC's power and sees it change", async () => {
        bmc.setDcmi('262');
        const source = open(ipmiDcmiSource(ipmitoolRunner(connection, session)));
        assert.deepEqual(await source.probe(AbortSignal.timeout(10_000)), { ok: true, sensors: ['system'] });
        const [first] = await source.sample(AbortSignal.timeout(10_000));
        assert.deepEqual(
          { ...first, stale: undefined },
          { sensor: 'system', watts: 262, minWatts: 250, maxWatts: 270, avgWatts: 260, samplingPeriodMs: 1000, state: 'activated', stale: undefined },
        );
        bmc.setDcmi('400');
        const [second] = await source.sample(AbortSignal.timeout(10_000));
        assert.equal(second!.watts, 400);
      });

      it('DCMI: completion code 0xCB and a deactivated reading come back as clear source errors', async () => {
        bmc.setDcmi('cc=0xcb');
        const refused = await open(ipmiDcmiSource(ipmitoolRunner(connection, session))).probe(AbortSignal.timeout(10_000));
        assert.ok(!refused.ok);
        assert.match(refused.reason, /^"ipmitool dcmi power reading" failed( \(exit \d+\))?: .*Requested sensor, data, or record not found \(cb\)/);
        bmc.setDcmi('262 deactivated');
        const deactivated = await open(ipmiDcmiSource(ipmitoolRunner(connection, session))).probe(AbortSignal.timeout(10_000));
        assert.ok(!deactivated.ok);
        assert.match(deactivated.reason, /deactivated \(no valid power\)/);
      });

      it('SDR: reads the Watts sensor and sees its value change', async () => {
        bmc.setSensorWatts(320);
        await new Promise((resolve) => setTimeout(resolve, 300)); // the simulator polls its file every 100 ms
        const source = open(ipmiSdrSource(ipmitoolRunner(connection, session), []));
        assert.deepEqual(await source.probe(AbortSignal.timeout(10_000)), { ok: true, sensors: ['Pwr Consumption'] });
        assert.deepEqual(source.totalSensors(['Pwr Consumption']), ['Pwr Consumption']);
        bmc.setSensorWatts(480);
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.deepEqual(await source.sample(AbortSignal.timeout(10_000)), [{ sensor: 'Pwr Consumption', watts: 480 }]);
      });

      it('after the BMC restarts, the error is reported and the next reading works (a new session where there is one)', async () => {
        bmc.setDcmi('262');
        const source = open(ipmiDcmiSource(ipmitoolRunner(connection, session)));
        assert.equal((await source.sample(AbortSignal.timeout(10_000)))[0]!.watts, 262);
        await bmc.restart();
        bmc.setDcmi('300');
        const next = await source.sample(AbortSignal.timeout(10_000)).then(
          (readings) => readings[0]!.watts,
          (error: Error) => error.message,
        );
        if (session === 'shell') assert.match(String(next), /^"ipmitool dcmi power reading" failed: Unable to get DCMI information|^300$/);
        else assert.equal(next, 300);
        assert.equal((await source.sample(AbortSignal.timeout(10_000)))[0]!.watts, 300);
      });

      it("an unreachable BMC fails in seconds with ipmitool's own words", async () => {
        const started = Date.now();
        const probe = await open(ipmiDcmiSource(ipmitoolRunner({ ...connection, port: await freePort() }, session))).probe(AbortSignal.timeout(10_000));
        assert.ok(!probe.ok);
        assert.match(probe.reason, /Unable to establish IPMI v2 \/ RMCP\+ session|did not answer within/);
        assert.ok(Date.now() - started < 8_000, `took ${Date.now() - started} ms`);
      });

      it('no local BMC device: the error and the fix', async () => {
        const probe = await open(ipmiDcmiSource(ipmitoolRunner({ ipmitoolPath: 'ipmitool', extraArgs: ['-d', '99'], timeoutMs: 5_000 }, session))).probe(
          AbortSignal.timeout(10_000),
        );
        assert.ok(!probe.ok);
        assert.match(probe.reason, /Could not open device at \/dev\/ipmi99.*modprobe ipmi_devintf ipmi_si/);
      });
    },
  );
