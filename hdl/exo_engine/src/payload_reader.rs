//! `PayloadReader`: an entry record's payload, read ahead from the entry buffer into a
//! four-byte queue.
//!
//! The entry buffer is block RAM, 5.8 ns from clock to data at speed grade 6. A byte that went
//! from it into `Deliver`'s output register, whose load waits for the host's `ready`, left
//! too little of the 8 ns cycle for the route between them. Here the RAM's data goes into a
//! flip-flop with nothing in front of it (`fetched`, loaded every cycle), then into a queue
//! of four bytes, and the consumer takes bytes from the queue's registers.
//!
//! Reads run ahead of the consumer by at most four bytes (`held` counts the bytes read and
//! not yet taken, so the queue never overfills), and stop at the payload's length: no byte
//! past the entry is read, so the buffer can release the entry when its last byte is taken.
//!
//! # Ports
//!
//! | port | dir | width | meaning |
//! |---|---|---|---|
//! | `clock` | in | 1 | the engine clock |
//! | `reset` | in | 1 | synchronous: forget the payload being read and the queue |
//! | `start` | in | 1 | pulse: read `start_len` bytes from `start_addr` (only when the previous payload was all taken) |
//! | `start_addr` | in | 12 | entry buffer address of the first byte |
//! | `start_len` | in | 16 | payload length in bytes |
//! | `buf_addr` | out | 12 | entry buffer read address (a register) |
//! | `buf_data` | in | 8 | the byte at the previous cycle's `buf_addr` |
//! | `head_valid` | out | 1 | a byte is waiting |
//! | `head` | out | 8 | the oldest waiting byte (from registers) |
//! | `take` | in | 1 | pulse: the consumer took `head` (only with `head_valid`) |
//!
//! # Timing
//!
//! A read issued in cycle `t` (its address on `buf_addr`) returns its byte in cycle `t + 1`,
//! which is in `fetched` in `t + 2` and in the queue (`head_valid`) in `t + 3`. A `start` at
//! edge `t` issues the first read in `t + 1`, so the first byte waits from `t + 4`. A byte
//! taken frees its credit at the same edge: with reads issued back to back, the consumer can
//! take one byte per cycle once four are waiting.

use rust_hdl::prelude::*;

/// Bytes read ahead at most: a take's credit is reused after one edge and its byte is in the
/// queue three edges later, so four keep one byte per cycle flowing.
pub const READ_AHEAD: u64 = 4;

#[derive(LogicBlock, Default)]
pub struct PayloadReader {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub start: Signal<In, Bit>,
    pub start_addr: Signal<In, Bits<12>>,
    pub start_len: Signal<In, Bits<16>>,
    pub buf_addr: Signal<Out, Bits<12>>,
    pub buf_data: Signal<In, Bits<8>>,
    pub head_valid: Signal<Out, Bit>,
    pub head: Signal<Out, Bits<8>>,
    pub take: Signal<In, Bit>,
    /// The next address to read, and the bytes of the payload not yet read.
    addr: DFF<Bits<12>>,
    to_read: DFF<Bits<16>>,
    /// Bytes read and not yet taken (in the RAM's output, `fetched` or the queue).
    held: DFF<Bits<3>>,
    /// A read was issued in the last cycle: `buf_data` holds its byte now.
    issued: DFF<Bit>,
    /// The RAM's byte, registered with no logic before the flip-flop.
    fetched: DFF<Bits<8>>,
    fetched_valid: DFF<Bit>,
    /// The queue: four bytes, written at `wr_slot`, read at `rd_slot`, `count` waiting.
    slots: DFF<Bits<32>>,
    wr_slot: DFF<Bits<2>>,
    rd_slot: DFF<Bits<2>>,
    count: DFF<Bits<3>>,
    issue: Signal<Local, Bit>,
    shift: Signal<Local, Bits<5>>,
}

impl Logic for PayloadReader {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            addr,
            to_read,
            held,
            issued,
            fetched,
            fetched_valid,
            slots,
            wr_slot,
            rd_slot,
            count
        );
        // ---- Reads: one per cycle while bytes remain and the queue has a credit left.
        self.buf_addr.next = self.addr.q.val();
        self.issue.next = self.to_read.q.val().any() & (self.held.q.val() < 4);
        if self.issue.val() {
            self.addr.d.next = self.addr.q.val() + 1;
            self.to_read.d.next = self.to_read.q.val() - 1;
        }
        if self.start.val() {
            self.addr.d.next = self.start_addr.val();
            self.to_read.d.next = self.start_len.val();
        }
        self.issued.d.next = self.issue.val();
        if self.issue.val() & !self.take.val() {
            self.held.d.next = self.held.q.val() + 1;
        } else if !self.issue.val() & self.take.val() {
            self.held.d.next = self.held.q.val() - 1;
        }
        // ---- The byte read, then the queue.
        self.fetched.d.next = self.buf_data.val();
        self.fetched_valid.d.next = self.issued.q.val();
        self.shift.next = bit_cast::<5, 2>(self.wr_slot.q.val()) << 3;
        if self.fetched_valid.q.val() {
            self.slots.d.next = (self.slots.q.val()
                & !(bit_cast::<32, 8>(0xFF.into()) << self.shift.val()))
                | (bit_cast::<32, 8>(self.fetched.q.val()) << self.shift.val());
            self.wr_slot.d.next = self.wr_slot.q.val() + 1;
        }
        self.head_valid.next = self.count.q.val().any();
        self.head.next = self.slots.q.val().get_bits::<8>(0);
        if self.rd_slot.q.val() == 1 {
            self.head.next = self.slots.q.val().get_bits::<8>(8);
        }
        if self.rd_slot.q.val() == 2 {
            self.head.next = self.slots.q.val().get_bits::<8>(16);
        }
        if self.rd_slot.q.val() == 3 {
            self.head.next = self.slots.q.val().get_bits::<8>(24);
        }
        if self.take.val() {
            self.rd_slot.d.next = self.rd_slot.q.val() + 1;
        }
        if self.fetched_valid.q.val() & !self.take.val() {
            self.count.d.next = self.count.q.val() + 1;
        } else if !self.fetched_valid.q.val() & self.take.val() {
            self.count.d.next = self.count.q.val() - 1;
        }
        if self.reset.val() {
            self.to_read.d.next = 0.into();
            self.held.d.next = 0.into();
            self.issued.d.next = false;
            self.fetched_valid.d.next = false;
            self.wr_slot.d.next = 0.into();
            self.rd_slot.d.next = 0.into();
            self.count.d.next = 0.into();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use exo_hdl_common::sim::{cycle, settle, test_seed};
    use exo_proto::rng::Rng;

    fn clock(r: &mut PayloadReader) -> &mut Signal<In, Clock> {
        &mut r.clock
    }

    /// The reader wired to a 4096-byte memory with one registered read, as the entry buffer.
    struct Bench {
        reader: PayloadReader,
        memory: Vec<u8>,
        /// The RAM's registered output.
        ram_out: u8,
    }

    impl Bench {
        fn new(memory: Vec<u8>) -> Bench {
            let mut reader = PayloadReader::default();
            reader.connect_all();
            let mut bench = Bench {
                reader,
                memory,
                ram_out: 0,
            };
            bench.reader.reset.next = true;
            bench.step();
            bench.reader.reset.next = false;
            bench
        }

        /// Settles with the RAM's output driven, then one edge (the RAM reads at it too).
        fn step(&mut self) {
            self.reader.buf_data.next = u64::from(self.ram_out).to_bits();
            settle(&mut self.reader);
            let addr = self.reader.buf_addr.val().index();
            cycle(&mut self.reader, clock);
            self.ram_out = self.memory[addr];
        }

        fn settled(&mut self) -> &PayloadReader {
            self.reader.buf_data.next = u64::from(self.ram_out).to_bits();
            settle(&mut self.reader);
            &self.reader
        }
    }

    /// Reads payloads (wrapping around the buffer's end) with a consumer that takes a byte
    /// with probability `take_p` when one waits; returns the bytes taken per payload and the
    /// cycles each took from its start to its last byte.
    fn read_payloads(
        memory: &[u8],
        payloads: &[(usize, usize)],
        rng: &mut Rng,
        take_p: f64,
    ) -> Vec<(Vec<u8>, usize)> {
        let mut bench = Bench::new(memory.to_vec());
        let mut out = Vec::new();
        for &(addr, len) in payloads {
            bench.reader.start.next = true;
            bench.reader.start_addr.next = (addr as u64).to_bits();
            bench.reader.start_len.next = (len as u64).to_bits();
            bench.step();
            bench.reader.start.next = false;
            let mut got = Vec::new();
            let mut cycles = 1;
            while got.len() < len {
                assert!(cycles < 20 * len + 100, "payload at {addr} never finished");
                let r = bench.settled();
                let take = r.head_valid.val() && rng.chance(take_p);
                if take {
                    got.push(r.head.val().index() as u8);
                }
                bench.reader.take.next = take;
                bench.step();
                bench.reader.take.next = false;
                cycles += 1;
            }
            // Nothing more waits, and nothing more is read, once the payload is all taken.
            for _ in 0..6 {
                assert!(!bench.settled().head_valid.val(), "a byte past the payload");
                bench.step();
            }
            out.push((got, cycles));
        }
        out
    }

    #[test]
    fn reads_each_payload_exactly() {
        let seed = test_seed("payload_reader::reads_each_payload_exactly", 41);
        let mut rng = Rng::new(seed);
        let memory: Vec<u8> = (0..4096).map(|_| rng.next_u64() as u8).collect();
        let mut payloads = vec![(0, 1), (4095, 3), (10, 0), (4093, 1480), (7, 2)];
        for _ in 0..200 {
            payloads.push((rng.range(0, 4095) as usize, rng.range(0, 64) as usize));
        }
        for take_p in [1.0, 0.7, 0.2] {
            let got = read_payloads(&memory, &payloads, &mut rng, take_p);
            for (&(addr, len), (bytes, _)) in payloads.iter().zip(&got) {
                let want: Vec<u8> = (0..len).map(|i| memory[(addr + i) % 4096]).collect();
                assert_eq!(
                    bytes, &want,
                    "payload at {addr}, {len} bytes, take_p {take_p}"
                );
            }
        }
    }

    #[test]
    fn streams_a_byte_per_cycle_after_four_cycles() {
        // A consumer that always takes: the first byte waits four cycles after the start's
        // edge (see the module's timing), then one byte per cycle.
        let memory: Vec<u8> = (0..4096).map(|i| (i * 13) as u8).collect();
        let mut rng = Rng::new(1);
        let got = read_payloads(&memory, &[(100, 1000), (5, 1)], &mut rng, 1.0);
        assert_eq!(got[0].1, 1 + 3 + 1000, "a 1000-byte payload");
        assert_eq!(got[1].1, 1 + 3 + 1, "a 1-byte payload");
    }

    #[test]
    fn reset_forgets_the_payload() {
        let memory: Vec<u8> = (0..4096).map(|i| i as u8).collect();
        let mut bench = Bench::new(memory);
        bench.reader.start.next = true;
        bench.reader.start_addr.next = 20u64.to_bits();
        bench.reader.start_len.next = 50u64.to_bits();
        bench.step();
        bench.reader.start.next = false;
        for _ in 0..8 {
            bench.step();
        }
        assert!(bench.settled().head_valid.val());
        bench.reader.reset.next = true;
        bench.step();
        bench.reader.reset.next = false;
        for _ in 0..8 {
            assert!(
                !bench.settled().head_valid.val(),
                "nothing waits after a reset"
            );
            bench.step();
        }
        // And the next payload reads from its own start.
        bench.reader.start.next = true;
        bench.reader.start_addr.next = 300u64.to_bits();
        bench.reader.start_len.next = 2u64.to_bits();
        bench.step();
        bench.reader.start.next = false;
        let mut got = Vec::new();
        for _ in 0..10 {
            let r = bench.settled();
            let take = r.head_valid.val();
            if take {
                got.push(r.head.val().index() as u8);
            }
            bench.reader.take.next = take;
            bench.step();
            bench.reader.take.next = false;
        }
        assert_eq!(got, [(300 % 256) as u8, (301 % 256) as u8]);
    }

    #[test]
    fn payload_reader_is_synthesizable() {
        exo_hdl_common::check_synthesizable(&mut PayloadReader::default(), "payload_reader")
            .expect("yosys synth_ecp5");
    }
}
