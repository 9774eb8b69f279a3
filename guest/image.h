/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The embedded test guest as a flat image, loaded at GUEST_LOAD_GPA
 * (bootinfo.h); the build generates it from this directory (guest-blob.c).
 */
#ifndef CVMM_GUEST_IMAGE_H
#define CVMM_GUEST_IMAGE_H

#include <stddef.h>

extern const unsigned char guest_image[];
extern const size_t guest_image_size;

#endif
