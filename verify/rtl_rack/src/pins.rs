//! The rack top's ports of one host, looked up once by name.

use crate::model::{Model, Pin};

macro_rules! host_pins {
    ($($name:ident),* $(,)?) => {
        /// Every port of host i (`<name>_<i>` in the rack top).
        #[derive(Debug, Clone, Copy)]
        pub struct HostPins {
            $(pub $name: Pin,)*
        }

        impl HostPins {
            pub fn new(model: &Model, i: usize) -> HostPins {
                HostPins {
                    $($name: model.pin(&format!(concat!(stringify!($name), "_{}"), i)),)*
                }
            }
        }
    };
}

host_pins!(
    eclk, rst, cold, freeze, rp_data, rp_valid, rp_last, post_data, post_valid, post_last,
    post_ready, rec_data, rec_valid, rec_last, rec_ready, ctl_addr, ctl_wdata, ctl_write, ctl_read,
    ctl_ready, ctl_rdata, ctl_rvalid, ev_verdict, ev_accept, ev_reason, ev_detail, ev_dropped,
    rx_data, rx_valid, rx_last, rx_error, tx_data, tx_valid, tx_fire, tx_last, up_txd, up_tx_en,
    up_tx_er, up_rxd, up_rx_dv, up_rx_er, dn_txd, dn_tx_en, dn_tx_er, dn_rxd, dn_rx_dv, dn_rx_er,
    p_status, p_kind, p_epoch, p_seq, p_start, p_agreed, p_holder, p_if_valid, p_if_seq, p_hist,
);
