/*
 * A DCMI power reading for OpenIPMI's ipmi_sim, so that the real ipmitool
 * can be tested with "dcmi power reading" (stock ipmi_sim answers it with
 * "Invalid command (c1)"). Loaded by lan.conf: loadlib "plugin.so" "FILE".
 *
 * FILE is read on every request, so a test (or the demo's power model)
 * changes the reading at once:
 *   "262"                      an active reading of 262 W (min 250, max 270,
 *                              avg 260, over 1 s)
 *   "262 240 300 265 5000"     watts, then the statistics window's minimum,
 *                              maximum and average, and its length in ms
 *   "262 deactivated"          the same numbers, measurement state off
 *   "cc=0xcb"                  answer with that completion code and no data
 *
 * Built by the test suite and by the demo's simulated BMC (npm run demo --
 * --simulated-bmc): gcc -shared -fPIC (headers from libopenipmi-dev).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <OpenIPMI/serv.h>
#include <OpenIPMI/mcserv.h>

#define DCMI_GROUP 0xdc
#define DCMI_GET_POWER_READING 0x02

static char reading_file[512];

static void put16(unsigned char *at, unsigned int value)
{
    at[0] = value & 0xff;
    at[1] = (value >> 8) & 0xff;
}

static void put32(unsigned char *at, unsigned long value)
{
    put16(at, value & 0xffff);
    put16(at + 2, (value >> 16) & 0xffff);
}

static void dcmi_handler(lmc_data_t *mc, msg_t *msg, unsigned char *rdata,
                         unsigned int *rdata_len, void *cb_data)
{
    char text[128] = "";
    FILE *file;
    unsigned int watts = 0, completion = 0, min = 0, max = 0, avg = 0, period_ms = 1000;
    int active = 1, fields;

    if (msg->cmd != DCMI_GET_POWER_READING) {
        rdata[0] = 0xc1; /* invalid command */
        *rdata_len = 1;
        return;
    }
    file = fopen(reading_file, "r");
    if (file != NULL) {
        if (fgets(text, sizeof(text), file) == NULL)
            text[0] = '\0';
        fclose(file);
    }
    if (sscanf(text, "cc=%x", &completion) == 1) {
        rdata[0] = completion;
        *rdata_len = 1;
        return;
    }
    fields = sscanf(text, "%u %u %u %u %u", &watts, &min, &max, &avg, &period_ms);
    if (fields < 4) {
        min = watts > 12 ? watts - 12 : 0;
        max = watts + 8;
        avg = watts > 2 ? watts - 2 : 0;
    }
    if (fields < 5)
        period_ms = 1000;
    if (strstr(text, "deactivated") != NULL)
        active = 0;

    rdata[0] = 0x00;
    rdata[1] = DCMI_GROUP;
    put16(rdata + 2, watts);
    put16(rdata + 4, min);
    put16(rdata + 6, max);
    put16(rdata + 8, avg);
    put32(rdata + 10, (unsigned long) time(NULL));
    put32(rdata + 14, period_ms); /* the statistics window */
    rdata[18] = active ? 0x40 : 0x00;
    *rdata_len = 19;
}

int ipmi_sim_module_init(sys_data_t *sys, const char *options)
{
    snprintf(reading_file, sizeof(reading_file), "%s", options);
    ipmi_emu_register_group_extension_handler(DCMI_GROUP, dcmi_handler, NULL);
    return 0;
}
