//! Charts drawn on the server as SVG (no script, no build step): the page works in any browser and prints.

use std::fmt::Write;

use crate::fleet::escape;

/// One horizontal bar: a share in percent against its target.
pub struct ShareBar {
    pub label: String,
    pub percent: f64,
    pub target_percent: f64,
    pub met: bool,
}

const MET: &str = "#2e7d32";
const MISSED: &str = "#c62828";
const BAR: &str = "#1565c0";
const OFFLINE: &str = "#f9a825";

/// Horizontal bars from 0 to 100%, each with its target as a dark tick: green when the target is met, red when not.
pub fn share_bars(bars: &[ShareBar]) -> String {
    let (label_w, bar_w, row_h) = (260.0, 420.0, 34.0);
    let width = label_w + bar_w + 80.0;
    let height = row_h * bars.len() as f64 + 24.0;
    let mut svg = open(width, height, "share of services against each target");
    for (i, b) in bars.iter().enumerate() {
        let y = 8.0 + row_h * i as f64;
        let w = bar_w * b.percent.clamp(0.0, 100.0) / 100.0;
        let tx = label_w + bar_w * b.target_percent.clamp(0.0, 100.0) / 100.0;
        let colour = if b.met { MET } else { MISSED };
        let _ = write!(
            svg,
            "<text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\">{label}</text>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{bar_w}\" height=\"22\" fill=\"#eee\"/>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{w:.1}\" height=\"22\" fill=\"{colour}\"/>\
             <line x1=\"{tx:.1}\" x2=\"{tx:.1}\" y1=\"{y1}\" y2=\"{y2}\" stroke=\"#000\" stroke-width=\"3\"/>\
             <text x=\"{vx}\" y=\"{ty}\">{pct:.0}%</text>",
            lx = label_w - 8.0,
            ty = y + 16.0,
            label = escape(&b.label),
            y1 = y - 4.0,
            y2 = y + 26.0,
            vx = label_w + bar_w + 8.0,
            pct = b.percent,
        );
    }
    svg.push_str("</svg>");
    svg
}

/// One day of the trend: errands done, how many of them offline, and the 好评 share of its ratings if any.
pub struct DayPoint {
    pub label: String,
    pub errands: u64,
    pub offline: u64,
    pub good_percent: Option<f64>,
}

/// Daily errands as bars (the offline part stacked in amber) and the 好评 share as a line on a 0–100% scale.
pub fn daily_trend(days: &[DayPoint]) -> String {
    let (left, top, plot_w, plot_h) = (56.0, 16.0, 760.0, 220.0);
    let width = left + plot_w + 56.0;
    let height = top + plot_h + 56.0;
    let mut svg = open(
        width,
        height,
        "errands per day and the share of good ratings",
    );
    let max = days.iter().map(|d| d.errands).max().unwrap_or(0).max(1) as f64;
    let step = plot_w / days.len().max(1) as f64;
    let bar_w = (step * 0.7).max(1.0);
    let base = top + plot_h;
    let _ = write!(
        svg,
        "<line x1=\"{left}\" x2=\"{right}\" y1=\"{base}\" y2=\"{base}\" stroke=\"#888\"/>\
         <text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\">{max}</text>\
         <text x=\"{lx}\" y=\"{base}\" text-anchor=\"end\">0</text>\
         <text x=\"{rx}\" y=\"{ty}\">100%</text>",
        right = left + plot_w,
        lx = left - 6.0,
        ty = top + 10.0,
        rx = left + plot_w + 6.0,
        max = max as u64,
    );
    let label_every = (days.len() / 7).max(1);
    let mut line = String::new();
    for (i, d) in days.iter().enumerate() {
        let x = left + step * i as f64 + (step - bar_w) / 2.0;
        let h = plot_h * d.errands as f64 / max;
        let h_off = plot_h * d.offline as f64 / max;
        let _ = write!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar_w:.1}\" height=\"{h:.1}\" fill=\"{BAR}\">\
             <title>{label}: {errands}</title></rect>\
             <rect x=\"{x:.1}\" y=\"{yo:.1}\" width=\"{bar_w:.1}\" height=\"{h_off:.1}\" fill=\"{OFFLINE}\"/>",
            y = base - h,
            yo = base - h_off,
            label = escape(&d.label),
            errands = d.errands,
        );
        if i % label_every == 0 {
            let _ = write!(
                svg,
                "<text x=\"{cx:.1}\" y=\"{ly}\" text-anchor=\"middle\" font-size=\"12\">{label}</text>",
                cx = x + bar_w / 2.0,
                ly = base + 18.0,
                label = escape(d.label.get(5..).unwrap_or(&d.label)),
            );
        }
        if let Some(p) = d.good_percent {
            let _ = write!(
                line,
                "{:.1},{:.1} ",
                x + bar_w / 2.0,
                base - plot_h * p.clamp(0.0, 100.0) / 100.0
            );
        }
    }
    if !line.is_empty() {
        let _ = write!(
            svg,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{MET}\" stroke-width=\"3\"/>",
            line.trim_end()
        );
    }
    let _ = write!(
        svg,
        "<rect x=\"{left}\" y=\"{ky}\" width=\"14\" height=\"14\" fill=\"{BAR}\"/>\
         <text x=\"{t1}\" y=\"{kt}\">办件 errands</text>\
         <rect x=\"{o1}\" y=\"{ky}\" width=\"14\" height=\"14\" fill=\"{OFFLINE}\"/>\
         <text x=\"{t2}\" y=\"{kt}\">离线办理 offline</text>\
         <line x1=\"{g1}\" x2=\"{g2}\" y1=\"{gy}\" y2=\"{gy}\" stroke=\"{MET}\" stroke-width=\"3\"/>\
         <text x=\"{t3}\" y=\"{kt}\">好评率 good ratings (0–100%)</text></svg>",
        ky = base + 30.0,
        kt = base + 42.0,
        t1 = left + 20.0,
        o1 = left + 150.0,
        t2 = left + 170.0,
        g1 = left + 320.0,
        g2 = left + 344.0,
        gy = base + 37.0,
        t3 = left + 350.0,
    );
    svg
}

fn open(width: f64, height: f64, title: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"14\">\
         <title>{}</title>",
        escape(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_is_as_long_as_its_share_and_coloured_by_its_target() {
        let svg = share_bars(&[
            ShareBar {
                label: "即办件比例".into(),
                percent: 50.0,
                target_percent: 50.0,
                met: false,
            },
            ShareBar {
                label: "<b>".into(),
                percent: 100.0,
                target_percent: 80.0,
                met: true,
            },
        ]);
        assert!(svg.contains("width=\"210.0\" height=\"22\" fill=\"#c62828\""));
        assert!(svg.contains("width=\"420.0\" height=\"22\" fill=\"#2e7d32\""));
        assert!(svg.contains("&lt;b&gt;") && !svg.contains("<b>"));
    }

    #[test]
    fn the_trend_scales_to_the_busiest_day_and_skips_unrated_days_in_the_line() {
        let svg = daily_trend(&[
            DayPoint {
                label: "2026-11-01".into(),
                errands: 10,
                offline: 5,
                good_percent: Some(100.0),
            },
            DayPoint {
                label: "2026-11-02".into(),
                errands: 5,
                offline: 0,
                good_percent: None,
            },
        ]);
        assert!(svg.contains("height=\"220.0\" fill=\"#1565c0\""));
        assert!(svg.contains("height=\"110.0\" fill=\"#1565c0\""));
        assert_eq!(svg.matches("<polyline").count(), 1);
        assert!(svg.contains("points=\"") && !svg.contains("points=\"\""));
    }
}
