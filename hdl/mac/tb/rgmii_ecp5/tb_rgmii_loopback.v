// Test top for rgmii_ecp5: the adapter's GMII receive side looped back to its transmit side
// through one register stage clocked by the receive clock, so that a frame sent on the RGMII
// receive pins comes back on the RGMII transmit pins through IDDRX1F and ODDRX1F (their
// simulation models, in rgmii_ecp5.v).
module tb_rgmii_loopback (
    input  wire       rgmii_rx_clk,
    input  wire [3:0] rgmii_rxd,
    input  wire       rgmii_rx_ctl,
    output wire       rgmii_tx_clk,
    output wire [3:0] rgmii_txd,
    output wire       rgmii_tx_ctl
);
    wire       gmii_rx_clk;
    wire [7:0] gmii_rxd;
    wire       gmii_rx_dv;
    wire       gmii_rx_er;
    reg  [7:0] gmii_txd = 8'h00;
    reg        gmii_tx_en = 1'b0;
    reg        gmii_tx_er = 1'b0;

    always @(posedge gmii_rx_clk) begin
        gmii_txd <= gmii_rxd;
        gmii_tx_en <= gmii_rx_dv;
        gmii_tx_er <= gmii_rx_er;
    end

    rgmii_ecp5 adapter (
        .rgmii_rx_clk(rgmii_rx_clk),
        .rgmii_rxd(rgmii_rxd),
        .rgmii_rx_ctl(rgmii_rx_ctl),
        .rgmii_tx_clk(rgmii_tx_clk),
        .rgmii_txd(rgmii_txd),
        .rgmii_tx_ctl(rgmii_tx_ctl),
        .gmii_rx_clk(gmii_rx_clk),
        .gmii_rxd(gmii_rxd),
        .gmii_rx_dv(gmii_rx_dv),
        .gmii_rx_er(gmii_rx_er),
        .gmii_tx_clk(gmii_rx_clk),
        .gmii_txd(gmii_txd),
        .gmii_tx_en(gmii_tx_en),
        .gmii_tx_er(gmii_tx_er)
    );
endmodule
