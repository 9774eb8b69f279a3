// SPDX-License-Identifier: GPL-2.0-only
/*
 * 16550A UART. The transmitter is infinitely fast: a byte written to THR
 * is buffered for the output fd at once and THR is empty again. Output is
 * flushed at each newline so a console log reads well in a pipe.
 */
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "devices/uart.h"

enum {
	UART_RBR_THR = 0,
	UART_IER = 1,
	UART_IIR_FCR = 2,
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
	UART_MSR = 6,
	UART_SCR = 7,
};

#define LCR_DLAB 0x80
#define MCR_LOOP 0x10
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define IER_RDI 0x01
#define IER_THRI 0x02
#define IIR_NO_INT 0x01
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_FIFO 0xc0

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void uart_init(struct uart *uart, int out_fd)
{
	*uart = (struct uart){
		.out_fd = out_fd,
		.mcr = 0x08, /* OUT2 */
		.thr_interrupt = false,
	};
	pthread_mutex_init(&uart->lock, NULL);
}

static void flush_locked(struct uart *uart)
{
	unsigned int done = 0;

	while (done < uart->out_len) {
		ssize_t n = write(uart->out_fd, uart->out + done,
				  uart->out_len - done);

		if (n <= 0)
			break; /* console gone: drop the output, keep running */
		done += n;
	}
	uart->out_len = 0;
}

void uart_flush(struct uart *uart)
{
	pthread_mutex_lock(&uart->lock);
	flush_locked(uart);
	pthread_mutex_unlock(&uart->lock);
}

static uint8_t iir_locked(const struct uart *uart)
{
	uint8_t fifo = uart->fcr & 1 ? IIR_FIFO : 0;

	if ((uart->ier & IER_RDI) && uart->rx_count)
		return fifo | IIR_RDI;
	if ((uart->ier & IER_THRI) && uart->thr_interrupt)
		return fifo | IIR_THRI;
	return fifo | IIR_NO_INT;
}

static void update_irq_locked(struct uart *uart)
{
	bool level = !(iir_locked(uart) & IIR_NO_INT);

	if (!uart->set_irq || level == uart->irq_level)
		return;
	uart->irq_level = level;
	uart->set_irq(uart->irq_ctx, level);
}

static void rx_push_locked(struct uart *uart, uint8_t c)
{
	if (uart->rx_count == UART_FIFO_SIZE)
		return;
	uart->rx[(uart->rx_head + uart->rx_count++) % UART_FIFO_SIZE] = c;
}

/* The FIFO is empty: whoever had more for it may send it now. */
static void rx_drained_locked(struct uart *uart)
{
	if (!uart->rx_waiting || !uart->rx_space)
		return;
	uart->rx_waiting = false;
	uart->rx_space(uart->rx_ctx);
}

static void transmit_locked(struct uart *uart, uint8_t c)
{
	if (uart->mcr & MCR_LOOP) {
		rx_push_locked(uart, c);
		return;
	}
	if (!uart->first_output_ns)
		uart->first_output_ns = now_ns();
	uart->bytes_out++;
	uart->out[uart->out_len++] = c;
	if (c == '\n' || uart->out_len == sizeof(uart->out))
		flush_locked(uart);
}

static uint8_t msr_locked(const struct uart *uart)
{
	uint8_t m = uart->mcr;

	/* Loopback wires RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD. */
	if (m & MCR_LOOP)
		return ((m & 0x02) << 3) | ((m & 0x01) << 5) |
		       ((m & 0x04) << 4) | ((m & 0x08) << 4);
	return 0xb0; /* DCD, DSR, CTS: a terminal is always there */
}

static uint8_t read_locked(struct uart *uart, uint64_t reg)
{
	uint8_t v;

	switch (reg) {
	case UART_RBR_THR:
		if (uart->lcr & LCR_DLAB)
			return uart->dll;
		if (!uart->rx_count)
			return 0;
		v = uart->rx[uart->rx_head];
		uart->rx_head = (uart->rx_head + 1) % UART_FIFO_SIZE;
		uart->rx_count--;
		if (!uart->rx_count)
			rx_drained_locked(uart);
		return v;
	case UART_IER:
		return uart->lcr & LCR_DLAB ? uart->dlm : uart->ier;
	case UART_IIR_FCR:
		v = iir_locked(uart);
		/* Reading IIR acknowledges a THR-empty interrupt. */
		if ((v & 0x0f) == IIR_THRI)
			uart->thr_interrupt = false;
		return v;
	case UART_LCR:
		return uart->lcr;
	case UART_MCR:
		return uart->mcr;
	case UART_LSR:
		return LSR_THRE | LSR_TEMT | (uart->rx_count ? LSR_DR : 0);
	case UART_MSR:
		return msr_locked(uart);
	default:
		return uart->scr;
	}
}

static void write_locked(struct uart *uart, uint64_t reg, uint8_t v)
{
	switch (reg) {
	case UART_RBR_THR:
		if (uart->lcr & LCR_DLAB) {
			uart->dll = v;
			return;
		}
		transmit_locked(uart, v);
		uart->thr_interrupt = true;
		return;
	case UART_IER:
		if (uart->lcr & LCR_DLAB) {
			uart->dlm = v;
			return;
		}
		/* Enabling THRI with THR empty raises it at once. */
		if ((v & IER_THRI) && !(uart->ier & IER_THRI))
			uart->thr_interrupt = true;
		uart->ier = v & 0x0f;
		/*
		 * Linux's 8250 driver writes IER at the end of each burst (the
		 * console restores it, the tty path stops THRI): output up to
		 * here is complete, a shell prompt included.
		 */
		flush_locked(uart);
		return;
	case UART_IIR_FCR:
		uart->fcr = v;
		if (v & 0x02) {
			uart->rx_count = 0;
			rx_drained_locked(uart);
		}
		return;
	case UART_LCR:
		uart->lcr = v;
		return;
	case UART_MCR:
		uart->mcr = v & 0x1f;
		return;
	case UART_SCR:
		uart->scr = v;
		return;
	default:
		return; /* LSR and MSR are read-only */
	}
}

static int uart_access(void *opaque, uint64_t offset, uint8_t *data,
		       uint32_t size, bool is_write)
{
	struct uart *uart = opaque;

	if (size != 1) {
		memset(data, 0xff, size);
		return 0;
	}
	pthread_mutex_lock(&uart->lock);
	if (is_write)
		write_locked(uart, offset, data[0]);
	else
		data[0] = read_locked(uart, offset);
	update_irq_locked(uart);
	pthread_mutex_unlock(&uart->lock);
	return 0;
}

int uart_register(struct uart *uart, struct bus *pio, uint64_t base)
{
	struct bus_device dev = {
		.name = "uart",
		.base = base,
		.len = 8,
		.access = uart_access,
		.opaque = uart,
	};

	return bus_register(pio, &dev);
}

size_t uart_receive(struct uart *uart, const uint8_t *buf, size_t len)
{
	size_t n;

	pthread_mutex_lock(&uart->lock);
	for (n = 0; n < len && uart->rx_count < UART_FIFO_SIZE; n++)
		rx_push_locked(uart, buf[n]);
	uart->rx_waiting = n < len;
	update_irq_locked(uart);
	pthread_mutex_unlock(&uart->lock);
	return n;
}
