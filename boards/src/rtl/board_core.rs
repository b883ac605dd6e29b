//! `BoardCore`: the portable core of a two-port board — both MACs, the clock-domain
//! crossings, the host link, the engine, the board's counters and its LEDs. No vendor cell
//! is in it: the board's clocking and I/O (PLL, RGMII cells, pins) are around it.
//!
//! ```text
//!  port 0 (host)  GMII rx ─► GmiiRx ─► FrameCrossing ─► StreamSlice ─► HostLinkRx ─► post, control ─┐
//!  (host_rx_clock)                      (whole frames)                      │ replies               │
//!                                                                           ▼                       ▼
//!                 GMII tx ◄─ GmiiTx ◄── StreamSlice ◄── HostLinkTx ◄── FrameBuffer              ExoEngine
//!                                                          ▲ records ◄── StreamSlice ◄───────── records │
//!  port 1 (Exo)   GMII rx ─► GmiiRx ─► RxCrossing (cut through) ─────────────────────────────► rx      │
//!  (exo_rx_clock) GMII tx ◄─ GmiiTx ◄── StreamSlice ◄──────────────────────────────────────── tx ◄─────┘
//! ```
//!
//! Clock domains: `clock` (125 MHz from the board's PLL) runs everything but the two MAC
//! receivers and the write sides of their crossings, which run on their PHY's receive clock
//! (`host_rx_clock`, `exo_rx_clock`, 125 MHz at 1 GbE, unrelated to `clock`). Pointers cross
//! in Gray code, events (the host port's dropped and bad frames, the Exo port's overflows)
//! through `PulseCrossing`. Both MAC transmitters run on `clock`, which the board also
//! forwards as the PHYs' transmit clock.
//!
//! Reset: `reset_request` (asynchronous: the PLL not locked, or the board's button) is
//! synchronized to `clock` and resets the engine. The first reset after configuration (the
//! PLL locking) is a cold start (the engine boots with the cluster); a later one (the button) restarts the
//! engine as a host that lost its state, which waits for the host software to install an
//! epoch (`docs/engine.md`). The host link, the MACs and the crossings are not reset: they
//! hold no protocol state and start from their initial values at configuration.

use crate::rtl::counter_bank::CounterBank;
use crate::rtl::frame_crossing::FrameCrossing;
use crate::rtl::pulse_crossing::PulseCrossing;
use crate::rtl::rx_crossing::RxCrossing;
use crate::rtl::status_leds::StatusLeds;
use exo_engine::{EngineParams, ExoEngine, ParamError};
use exo_fabric::FrameBuffer;
use exo_hdl_common::StreamSlice;
use exo_host_link::{HostLinkRx, HostLinkTx};
use exo_mac::{GmiiRx, GmiiTx};
use exo_proto::host_link::board;
use rust_hdl::prelude::*;

/// Board counters (`exo_proto::host_link::board::COUNTER_NAMES`).
pub const COUNTERS: usize = board::COUNTER_NAMES.len();
/// Address bits of the host port's receive buffer (2048 bytes: a whole frame, one DP16KD)
/// and of the reply buffer.
pub const BUFFER_ADDRESS_BITS: usize = 11;
/// The LEDs' window: 2^24 cycles, 134 ms at 125 MHz.
pub const LED_WINDOW_BITS: usize = 24;

/// The core (see the module documentation).
#[derive(LogicBlock)]
pub struct BoardCore {
    // ---- Clock and reset
    /// The engine's clock and both MACs' transmit clock: 125 MHz.
    pub clock: Signal<In, Clock>,
    /// Asynchronous: the PLL is not locked, or the board's reset button is pressed.
    pub reset_request: Signal<In, Bit>,
    // ---- Port 0, the host link (GMII)
    pub host_rx_clock: Signal<In, Clock>,
    pub host_rxd: Signal<In, Bits<8>>,
    pub host_rx_dv: Signal<In, Bit>,
    pub host_rx_er: Signal<In, Bit>,
    pub host_txd: Signal<Out, Bits<8>>,
    pub host_tx_en: Signal<Out, Bit>,
    pub host_tx_er: Signal<Out, Bit>,
    // ---- Port 1, the Exo network (GMII)
    pub exo_rx_clock: Signal<In, Clock>,
    pub exo_rxd: Signal<In, Bits<8>>,
    pub exo_rx_dv: Signal<In, Bit>,
    pub exo_rx_er: Signal<In, Bit>,
    pub exo_txd: Signal<Out, Bits<8>>,
    pub exo_tx_en: Signal<Out, Bit>,
    pub exo_tx_er: Signal<Out, Bit>,
    // ---- LEDs (active high, see `StatusLeds`)
    pub led_status: Signal<Out, Bit>,
    pub led_exo_link: Signal<Out, Bit>,
    pub led_host_link: Signal<Out, Bit>,
    pub led_token: Signal<Out, Bit>,
    pub led_anomaly: Signal<Out, Bit>,
    // ---- Blocks
    pub engine: ExoEngine,
    host_mac_rx: GmiiRx,
    host_mac_tx: GmiiTx,
    exo_mac_rx: GmiiRx,
    exo_mac_tx: GmiiTx,
    host_in: FrameCrossing<BUFFER_ADDRESS_BITS, { BUFFER_ADDRESS_BITS + 1 }>,
    exo_in: RxCrossing,
    host_events: PulseCrossing<2>,
    exo_events: PulseCrossing<1>,
    /// Between the host port's buffer and the parser: the parser's `ready` comes from its
    /// state and the engine's post `ready` through logic, and the buffer's read queue
    /// shifts on it; the slice ends that path at its own registers.
    host_slice: StreamSlice,
    link_rx: HostLinkRx,
    link_tx: HostLinkTx,
    replies: FrameBuffer<BUFFER_ADDRESS_BITS, { BUFFER_ADDRESS_BITS + 1 }>,
    record_slice: StreamSlice,
    /// Between the engine's transmit stream and the MAC: the MAC's `ready` comes from its
    /// state through logic, and the engine's transmit path is timed for a registered one.
    exo_tx_slice: StreamSlice,
    /// The same between the host link's transmitter and the host port's MAC: the MAC's
    /// frame start and CRC load wait on its `valid`, which the transmitter forms from its
    /// two sources (the reply buffer's read queue, the records).
    host_tx_slice: StreamSlice,
    counters: CounterBank<COUNTERS>,
    leds: StatusLeds<LED_WINDOW_BITS>,
    reset_sync: BitSynchronizer,
    /// A reset has begun since configuration…
    reset_seen: DFF<Bit>,
    /// … and ended: later resets are restarts, not cold starts.
    booted: DFF<Bit>,
    /// A frame from the Exo port ended good / bad, registered: the counters and the LEDs
    /// are far from the crossing, and a cycle late is nothing to them.
    exo_good: DFF<Bit>,
    exo_bad: DFF<Bit>,
    ident: Constant<Bits<32>>,
    ident_addr: Constant<Bits<8>>,
    board_page: Constant<Bits<4>>,
}

impl BoardCore {
    /// The core around an engine built for `params`.
    pub fn new(params: &EngineParams) -> Result<BoardCore, ParamError> {
        let max_len = exo_mac::gmii_rx::DEFAULT_MAX_LEN;
        let gmii_rx = || GmiiRx::new(max_len).expect("the default frame length is in range");
        Ok(BoardCore {
            clock: Default::default(),
            reset_request: Default::default(),
            host_rx_clock: Default::default(),
            host_rxd: Default::default(),
            host_rx_dv: Default::default(),
            host_rx_er: Default::default(),
            host_txd: Default::default(),
            host_tx_en: Default::default(),
            host_tx_er: Default::default(),
            exo_rx_clock: Default::default(),
            exo_rxd: Default::default(),
            exo_rx_dv: Default::default(),
            exo_rx_er: Default::default(),
            exo_txd: Default::default(),
            exo_tx_en: Default::default(),
            exo_tx_er: Default::default(),
            led_status: Default::default(),
            led_exo_link: Default::default(),
            led_host_link: Default::default(),
            led_token: Default::default(),
            led_anomaly: Default::default(),
            engine: ExoEngine::new(params)?,
            host_mac_rx: gmii_rx(),
            host_mac_tx: Default::default(),
            exo_mac_rx: gmii_rx(),
            exo_mac_tx: Default::default(),
            host_in: Default::default(),
            exo_in: Default::default(),
            host_events: Default::default(),
            exo_events: Default::default(),
            link_rx: Default::default(),
            link_tx: HostLinkTx::new(params.src_mac()),
            replies: Default::default(),
            record_slice: Default::default(),
            host_slice: Default::default(),
            exo_tx_slice: Default::default(),
            host_tx_slice: Default::default(),
            counters: Default::default(),
            leds: Default::default(),
            reset_sync: Default::default(),
            reset_seen: Default::default(),
            booted: Default::default(),
            exo_good: Default::default(),
            exo_bad: Default::default(),
            ident: Constant::new((board::IDENT as u64).to_bits()),
            ident_addr: Constant::new((board::IDENT_ADDR as u64).to_bits()),
            board_page: Constant::new(((board::BASE >> 4) as u64).to_bits()),
        })
    }
}

impl Logic for BoardCore {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, reset_seen, booted, exo_good, exo_bad);
        // ---- Clocks: the receive sides on their PHY's clock, everything else on `clock`.
        self.host_mac_rx.clock.next = self.host_rx_clock.val();
        self.host_in.write_clock.next = self.host_rx_clock.val();
        self.host_events.source_clock.next = self.host_rx_clock.val();
        self.exo_mac_rx.clock.next = self.exo_rx_clock.val();
        self.exo_in.write_clock.next = self.exo_rx_clock.val();
        self.exo_events.source_clock.next = self.exo_rx_clock.val();
        self.engine.clock.next = self.clock.val();
        self.host_mac_tx.clock.next = self.clock.val();
        self.exo_mac_tx.clock.next = self.clock.val();
        self.host_in.read_clock.next = self.clock.val();
        self.exo_in.read_clock.next = self.clock.val();
        self.host_events.dest_clock.next = self.clock.val();
        self.exo_events.dest_clock.next = self.clock.val();
        self.link_rx.clock.next = self.clock.val();
        self.link_tx.clock.next = self.clock.val();
        self.replies.clock.next = self.clock.val();
        self.record_slice.clock.next = self.clock.val();
        self.host_slice.clock.next = self.clock.val();
        self.exo_tx_slice.clock.next = self.clock.val();
        self.host_tx_slice.clock.next = self.clock.val();
        self.counters.clock.next = self.clock.val();
        self.leds.clock.next = self.clock.val();
        self.reset_sync.clock.next = self.clock.val();
        // ---- Reset: synchronized; the first one is a cold start.
        self.reset_sync.sig_in.next = self.reset_request.val();
        self.engine.reset.next = self.reset_sync.sig_out.val();
        self.engine.cold_start.next = !self.booted.q.val();
        self.reset_seen.d.next = self.reset_seen.q.val() | self.reset_sync.sig_out.val();
        self.booted.d.next =
            self.booted.q.val() | (self.reset_seen.q.val() & !self.reset_sync.sig_out.val());
        // ---- Port 1: PHY → MAC → crossing → engine → MAC → PHY
        self.exo_mac_rx.gmii_rxd.next = self.exo_rxd.val();
        self.exo_mac_rx.gmii_rx_dv.next = self.exo_rx_dv.val();
        self.exo_mac_rx.gmii_rx_er.next = self.exo_rx_er.val();
        self.exo_in.inp.data.next = self.exo_mac_rx.rx.data.val();
        self.exo_in.inp.valid.next = self.exo_mac_rx.rx.valid.val();
        self.exo_in.inp.last.next = self.exo_mac_rx.rx.last.val();
        self.exo_in.inp.error.next = self.exo_mac_rx.rx.error.val();
        self.engine.rx.data.next = self.exo_in.out.data.val();
        self.engine.rx.valid.next = self.exo_in.out.valid.val();
        self.engine.rx.last.next = self.exo_in.out.last.val();
        self.engine.rx.error.next = self.exo_in.out.error.val();
        self.exo_tx_slice.inp.data.next = self.engine.tx.data.val();
        self.exo_tx_slice.inp.valid.next = self.engine.tx.valid.val();
        self.exo_tx_slice.inp.last.next = self.engine.tx.last.val();
        self.exo_tx_slice.inp.error.next = self.engine.tx.error.val();
        self.engine.tx.ready.next = self.exo_tx_slice.inp.ready.val();
        self.exo_mac_tx.tx.data.next = self.exo_tx_slice.out.data.val();
        self.exo_mac_tx.tx.valid.next = self.exo_tx_slice.out.valid.val();
        self.exo_mac_tx.tx.last.next = self.exo_tx_slice.out.last.val();
        self.exo_mac_tx.tx.error.next = self.exo_tx_slice.out.error.val();
        self.exo_tx_slice.out.ready.next = self.exo_mac_tx.tx.ready.val();
        self.exo_txd.next = self.exo_mac_tx.gmii_txd.val();
        self.exo_tx_en.next = self.exo_mac_tx.gmii_tx_en.val();
        self.exo_tx_er.next = self.exo_mac_tx.gmii_tx_er.val();
        // ---- Port 0: PHY → MAC → crossing → host link receive
        self.host_mac_rx.gmii_rxd.next = self.host_rxd.val();
        self.host_mac_rx.gmii_rx_dv.next = self.host_rx_dv.val();
        self.host_mac_rx.gmii_rx_er.next = self.host_rx_er.val();
        self.host_in.inp.data.next = self.host_mac_rx.rx.data.val();
        self.host_in.inp.valid.next = self.host_mac_rx.rx.valid.val();
        self.host_in.inp.last.next = self.host_mac_rx.rx.last.val();
        self.host_in.inp.error.next = self.host_mac_rx.rx.error.val();
        self.host_slice.inp.data.next = self.host_in.out.data.val();
        self.host_slice.inp.valid.next = self.host_in.out.valid.val();
        self.host_slice.inp.last.next = self.host_in.out.last.val();
        self.host_slice.inp.error.next = self.host_in.out.error.val();
        self.host_in.out.ready.next = self.host_slice.inp.ready.val();
        self.link_rx.rx.data.next = self.host_slice.out.data.val();
        self.link_rx.rx.valid.next = self.host_slice.out.valid.val();
        self.link_rx.rx.last.next = self.host_slice.out.last.val();
        self.link_rx.rx.error.next = self.host_slice.out.error.val();
        self.host_slice.out.ready.next = self.link_rx.rx.ready.val();
        self.link_rx.reset.next = self.reset_sync.sig_out.val();
        // ---- Host link ↔ engine: posts and the control port
        self.engine.post.data.next = self.link_rx.post.data.val();
        self.engine.post.valid.next = self.link_rx.post.valid.val();
        self.engine.post.last.next = self.link_rx.post.last.val();
        self.engine.post.error.next = self.link_rx.post.error.val();
        self.link_rx.post.ready.next = self.engine.post.ready.val();
        self.engine.ctl_addr.next = self.link_rx.ctl_addr.val();
        self.engine.ctl_wdata.next = self.link_rx.ctl_wdata.val();
        self.engine.ctl_write.next = self.link_rx.ctl_write.val();
        self.engine.ctl_read.next = self.link_rx.ctl_read.val();
        self.link_rx.ctl_ready.next = self.engine.ctl_ready.val();
        self.link_rx.ctl_rdata.next = self.engine.ctl_rdata.val();
        self.link_rx.ctl_rvalid.next = self.engine.ctl_rvalid.val();
        // ---- Board registers: the counters' page and the identification word
        self.counters.index.next = self.link_rx.board_addr.val().get_bits::<4>(0);
        self.link_rx.board_rdata.next = 0.into();
        if self.link_rx.board_addr.val() == self.ident_addr.val() {
            self.link_rx.board_rdata.next = self.ident.val();
        } else if self.link_rx.board_addr.val().get_bits::<4>(4) == self.board_page.val() {
            self.link_rx.board_rdata.next = self.counters.value.val();
        }
        // ---- Replies and records → host link transmit → MAC → PHY
        self.replies.rx.data.next = self.link_rx.reply.data.val();
        self.replies.rx.valid.next = self.link_rx.reply.valid.val();
        self.replies.rx.last.next = self.link_rx.reply.last.val();
        self.replies.rx.error.next = self.link_rx.reply.error.val();
        self.link_tx.replies.data.next = self.replies.out.data.val();
        self.link_tx.replies.valid.next = self.replies.out.valid.val();
        self.link_tx.replies.last.next = self.replies.out.last.val();
        self.link_tx.replies.error.next = self.replies.out.error.val();
        self.replies.out.ready.next = self.link_tx.replies.ready.val();
        self.record_slice.inp.data.next = self.engine.records.data.val();
        self.record_slice.inp.valid.next = self.engine.records.valid.val();
        self.record_slice.inp.last.next = self.engine.records.last.val();
        self.record_slice.inp.error.next = self.engine.records.error.val();
        self.engine.records.ready.next = self.record_slice.inp.ready.val();
        self.link_tx.records.data.next = self.record_slice.out.data.val();
        self.link_tx.records.valid.next = self.record_slice.out.valid.val();
        self.link_tx.records.last.next = self.record_slice.out.last.val();
        self.link_tx.records.error.next = self.record_slice.out.error.val();
        self.record_slice.out.ready.next = self.link_tx.records.ready.val();
        self.link_tx.host_mac.next = self.link_rx.host_mac.val();
        self.link_rx.reply_sent.next = self.link_tx.reply_sent.val();
        self.host_tx_slice.inp.data.next = self.link_tx.mac.data.val();
        self.host_tx_slice.inp.valid.next = self.link_tx.mac.valid.val();
        self.host_tx_slice.inp.last.next = self.link_tx.mac.last.val();
        self.host_tx_slice.inp.error.next = self.link_tx.mac.error.val();
        self.link_tx.mac.ready.next = self.host_tx_slice.inp.ready.val();
        self.host_mac_tx.tx.data.next = self.host_tx_slice.out.data.val();
        self.host_mac_tx.tx.valid.next = self.host_tx_slice.out.valid.val();
        self.host_mac_tx.tx.last.next = self.host_tx_slice.out.last.val();
        self.host_mac_tx.tx.error.next = self.host_tx_slice.out.error.val();
        self.host_tx_slice.out.ready.next = self.host_mac_tx.tx.ready.val();
        self.host_txd.next = self.host_mac_tx.gmii_txd.val();
        self.host_tx_en.next = self.host_mac_tx.gmii_tx_en.val();
        self.host_tx_er.next = self.host_mac_tx.gmii_tx_er.val();
        // ---- Events: crossings, counters (in the order of COUNTER_NAMES), LEDs
        self.host_events.pulses.next = bit_cast::<2, 1>(self.host_in.dropped.val().into())
            | (bit_cast::<2, 1>(self.host_in.bad.val().into()) << 1);
        self.exo_events.pulses.next = bit_cast::<1, 1>(self.exo_in.overflow.val().into());
        self.exo_good.d.next =
            self.exo_in.out.valid.val() & self.exo_in.out.last.val() & !self.exo_in.out.error.val();
        self.exo_bad.d.next =
            self.exo_in.out.valid.val() & self.exo_in.out.last.val() & self.exo_in.out.error.val();
        self.counters.events.next = bit_cast::<15, 1>(self.link_rx.ev_frame.val().into())
            | (bit_cast::<15, 1>(self.link_rx.ev_foreign.val().into()) << 1)
            | (bit_cast::<15, 2>(self.host_events.out.val()) << 2)
            | (bit_cast::<15, 1>(self.link_rx.ev_post.val().into()) << 4)
            | (bit_cast::<15, 1>(self.link_rx.ev_post_refused.val().into()) << 5)
            | (bit_cast::<15, 1>(self.link_rx.ev_error.val().into()) << 6)
            | (bit_cast::<15, 1>(self.link_tx.record_sent.val().into()) << 7)
            | (bit_cast::<15, 1>(self.host_mac_tx.stat_sent.val().into()) << 8)
            | (bit_cast::<15, 1>(self.exo_good.q.val().into()) << 9)
            | (bit_cast::<15, 1>(self.exo_bad.q.val().into()) << 10)
            | (bit_cast::<15, 1>(self.exo_events.out.val()) << 11)
            | (bit_cast::<15, 1>(self.exo_mac_tx.stat_sent.val().into()) << 12)
            | (bit_cast::<15, 1>(self.host_mac_tx.stat_underflow.val().into()) << 13)
            | (bit_cast::<15, 1>(self.exo_mac_tx.stat_underflow.val().into()) << 14);
        self.leds.exo_frame.next = self.exo_good.q.val();
        self.leds.host_frame.next = self.link_rx.ev_frame.val();
        self.leds.token.next = self.engine.token.val();
        self.leds.halted.next = self.engine.anomaly.val();
        self.led_status.next = self.leds.status.val();
        self.led_exo_link.next = self.leds.exo_link.val();
        self.led_host_link.next = self.leds.host_link.val();
        self.led_token.next = self.leds.token_led.val();
        self.led_anomaly.next = self.leds.anomaly.val();
    }
}

// The counters' event vector is written for 15 counters, in the order of COUNTER_NAMES.
const _: () = assert!(COUNTERS == 15);
