/* SPDX-License-Identifier: MIT */
/*
 * PSCI for Linux guests (Arm DEN0022, PSCI 1.0, and the SMCCC 1.1 calls
 * Linux probes, DEN0028), taken by HVC or SMC: bringing vCPUs up and down,
 * and powering the VM off.
 */
#ifndef S2HYP_PSCI_H
#define S2HYP_PSCI_H

#include <stdbool.h>

struct hyp_vcpu;

/**
 * psci_call() - Handle the SMCCC call in @vcpu's x0..x3, result in x0.
 * Return: true when x0 held a PSCI or SMCCC function ID (answered, maybe
 * with NOT_SUPPORTED), false when it is no SMCCC call at all.
 */
bool psci_call(struct hyp_vcpu *vcpu);

#endif
