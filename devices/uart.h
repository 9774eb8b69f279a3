/* SPDX-License-Identifier: GPL-2.0-only */
/* A 16550A UART: transmit to an fd, receive from uart_receive(). */
#ifndef CVMM_UART_H
#define CVMM_UART_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/bus.h"

#define UART_COM1_BASE 0x3f8
#define UART_COM1_IRQ 4
#define UART_FIFO_SIZE 64

struct uart {
	pthread_mutex_t lock;
	int out_fd;
	/*
	 * Called with the new level of the interrupt line when it changes,
	 * with the UART's lock held; may be NULL.
	 */
	void (*set_irq)(void *ctx, bool level);
	void *irq_ctx;
	bool irq_level;
	/*
	 * Called (lock held) when the guest has emptied the receive FIFO
	 * after a uart_receive() that did not fit; may be NULL.
	 */
	void (*rx_space)(void *ctx);
	void *rx_ctx;
	bool rx_waiting;

	uint8_t ier, lcr, mcr, lsr_extra, scr, dll, dlm, fcr;
	bool thr_interrupt;
	uint8_t rx[UART_FIFO_SIZE];
	unsigned int rx_head, rx_count;

	char out[256];
	unsigned int out_len;
	/* CLOCK_MONOTONIC of the first byte the guest sent, 0 before. */
	uint64_t first_output_ns;
	uint64_t bytes_out;
};

void uart_init(struct uart *uart, int out_fd);
int __must_check uart_register(struct uart *uart, struct bus *pio,
			       uint64_t base);
/* Queue bytes for the guest to read; returns how many fitted. */
size_t uart_receive(struct uart *uart, const uint8_t *buf, size_t len);
/* Write out anything buffered. */
void uart_flush(struct uart *uart);

#endif
