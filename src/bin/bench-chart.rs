//! `bench-chart`: draws grouped bar charts (PNG) from a small CSV, for
//! `tuning/compare.sh` and the other `tuning/` scripts.
//!
//! ```text
//! bench-chart --in results.csv --out chart.png [--title TEXT] [--subtitle TEXT]
//!             [--x-title TEXT] [--cols N] [--width PX] [--panel-height PX]
//! ```
//!
//! Input: CSV with the header `panel,unit,group,series,value,min,max` (`min`/`max` may
//! be empty; when given they are drawn as a whisker over the bar, e.g. the range over
//! rounds). Lines starting with `#` and blank lines are ignored; fields cannot contain
//! commas. Panels are laid out in order of first appearance, `--cols` per row; within
//! a panel the groups are in order of first appearance and each group has one bar per
//! series (global series order and colours, shown in one legend under the title). A
//! panel's `unit` is its y-axis title; `--x-title` names the groups' axis.
//!
//! Drawing is done by `plotters` on its bitmap backend (PNG through the `image` crate)
//! with text rendered by `ab_glyph` from DejaVu Sans embedded by the `dejavu` crate, so
//! no system fonts, fontconfig or freetype are needed. This file owns the CSV reading,
//! the shaping of rows into panels and the layout; it must not know what the tuning
//! scripts measure beyond the CSV columns.

use std::process::ExitCode;

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

const HELP: &str = "\
bench-chart: grouped bar charts as PNG from a CSV

Usage: bench-chart --in FILE.csv --out FILE.png [options]

  --in FILE          input CSV: header panel,unit,group,series,value,min,max
                     (min/max optional: drawn as a whisker over the bar)
  --out FILE         PNG to write
  --title TEXT       title at the top
  --subtitle TEXT    smaller line under the title (e.g. date, load average)
  --x-title TEXT     title of every panel's x axis (default \"command\")
  --cols N           panels per row (default 2)
  --width PX         image width (default 1400)
  --panel-height PX  height of one panel (default 330)
  -h, --help         this help
";

#[derive(Clone, Debug)]
struct Row {
    panel: String,
    unit: String,
    group: String,
    series: String,
    value: f64,
    range: Option<(f64, f64)>,
}

struct Opts {
    input: String,
    out: String,
    title: String,
    subtitle: String,
    x_title: String,
    cols: usize,
    width: usize,
    panel_h: usize,
}

fn parse_args() -> Result<Opts, String> {
    let mut o = Opts {
        input: String::new(),
        out: String::new(),
        title: String::new(),
        subtitle: String::new(),
        x_title: "command".into(),
        cols: 2,
        width: 1400,
        panel_h: 330,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        if name == "-h" || name == "--help" {
            print!("{HELP}");
            std::process::exit(0);
        }
        let v = match inline {
            Some(v) => v,
            None => it.next().ok_or_else(|| format!("{name} needs a value"))?,
        };
        let num = |v: &str| -> Result<usize, String> {
            v.parse::<usize>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("{name}: expected a positive integer, got '{v}'"))
        };
        match name.as_str() {
            "--in" => o.input = v,
            "--out" => o.out = v,
            "--title" => o.title = v,
            "--subtitle" => o.subtitle = v,
            "--x-title" => o.x_title = v,
            "--cols" => o.cols = num(&v)?,
            "--width" => o.width = num(&v)?.clamp(300, 8000),
            "--panel-height" => o.panel_h = num(&v)?.clamp(120, 4000),
            _ => return Err(format!("unknown argument '{a}' (see --help)")),
        }
    }
    if o.input.is_empty() || o.out.is_empty() {
        return Err("--in and --out are required (see --help)".into());
    }
    Ok(o)
}

fn parse_csv(text: &str) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    let mut header_seen = false;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        if !header_seen {
            if f.first() != Some(&"panel") {
                return Err(format!(
                    "line {}: expected the header panel,unit,group,series,value,min,max",
                    i + 1
                ));
            }
            header_seen = true;
            continue;
        }
        if f.len() < 5 {
            return Err(format!("line {}: need at least 5 fields: {line}", i + 1));
        }
        let num = |s: &str| -> Result<Option<f64>, String> {
            if s.is_empty() || s == "nan" || s == "n/a" {
                return Ok(None);
            }
            s.parse::<f64>()
                .map(Some)
                .map_err(|_| format!("line {}: not a number: '{s}'", i + 1))
        };
        let Some(value) = num(f[4])? else {
            continue; // a cell without a value (e.g. a failed run) is left out
        };
        let lo = f.get(5).map(|s| num(s)).transpose()?.flatten();
        let hi = f.get(6).map(|s| num(s)).transpose()?.flatten();
        rows.push(Row {
            panel: f[0].to_string(),
            unit: f[1].to_string(),
            group: f[2].to_string(),
            series: f[3].to_string(),
            value,
            range: lo.zip(hi),
        });
    }
    if rows.is_empty() {
        return Err("no data rows in the input".into());
    }
    Ok(rows)
}

// ------------------------------------------------------------------ numbers

/// Short human form: 1.91M, 73.2k, 9.20, 0.435.
fn fmt_si(v: f64) -> String {
    let a = v.abs();
    let (x, suf) = if a >= 1e9 {
        (v / 1e9, "G")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e4 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let ax = x.abs();
    let s = if ax == 0.0 {
        "0".to_string()
    } else if suf.is_empty() && ax < 1.0 {
        format!("{x:.3}")
    } else if ax < 10.0 {
        format!("{x:.2}")
    } else if ax < 100.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.0}")
    };
    format!("{s}{suf}")
}

/// Axis tick label: like [`fmt_si`] without trailing zeros (2.5M, 80k, 0.4).
fn fmt_tick(v: f64) -> String {
    let s = fmt_si(v);
    let (num, suf) = match s.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s.as_str(), ""),
    };
    let num = if num.contains('.') {
        num.trim_end_matches('0').trim_end_matches('.')
    } else {
        num
    };
    format!("{num}{suf}")
}

/// A "nice" axis maximum (1, 2, 2.5, 5 × 10^k) at or above `v`, and its tick step.
fn nice_axis(v: f64) -> (f64, f64) {
    if v <= 0.0 || !v.is_finite() {
        return (1.0, 0.25);
    }
    let mag = 10f64.powf(v.log10().floor());
    // (axis top / magnitude, number of tick steps)
    for (m, n) in [
        (1.0, 5.0),
        (1.2, 6.0),
        (1.5, 6.0),
        (2.0, 4.0),
        (2.5, 5.0),
        (3.0, 6.0),
        (4.0, 4.0),
        (5.0, 5.0),
        (6.0, 6.0),
        (8.0, 4.0),
        (10.0, 5.0),
    ] {
        let top = m * mag;
        if top >= v * 1.0001 {
            return (top, top / n);
        }
    }
    (10.0 * mag, 2.0 * mag)
}

// ------------------------------------------------------------------ shaping

/// Share of a group's slot on the x axis taken by its bars; the rest separates groups.
const GROUP_FILL: f64 = 0.82;

/// One bar: a (group, series) cell of a panel.
#[derive(Clone, Debug, PartialEq)]
struct Bar {
    group: usize,
    /// Position among the panel's series (left to right inside the group).
    slot: usize,
    /// Index into the chart-wide series list: picks the colour, as in the legend.
    series: usize,
    value: f64,
    range: Option<(f64, f64)>,
}

/// A panel ready to draw: groups along x, bars, and a y axis that fits them.
#[derive(Debug)]
struct Panel {
    title: String,
    unit: String,
    groups: Vec<String>,
    /// Number of series that have at least one bar in this panel (bars per group).
    slots: usize,
    bars: Vec<Bar>,
    y_top: f64,
    y_step: f64,
}

fn first_seen<'a>(items: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for s in items {
        if !v.iter().any(|x| x == s) {
            v.push(s.to_string());
        }
    }
    v
}

/// Groups rows into panels (in order of first appearance). `series` is the chart-wide
/// series order; a panel keeps only the series it has data for, in that order. A
/// repeated (panel, group, series) keeps its first row.
fn build_panels(rows: &[Row], series: &[String]) -> Vec<Panel> {
    first_seen(rows.iter().map(|r| r.panel.as_str()))
        .into_iter()
        .map(|title| {
            let prow: Vec<&Row> = rows.iter().filter(|r| r.panel == title).collect();
            let groups = first_seen(prow.iter().map(|r| r.group.as_str()));
            let present: Vec<usize> = (0..series.len())
                .filter(|&i| prow.iter().any(|r| r.series == series[i]))
                .collect();
            let mut bars = Vec::new();
            for (gi, g) in groups.iter().enumerate() {
                for (slot, &si) in present.iter().enumerate() {
                    if let Some(r) = prow
                        .iter()
                        .find(|r| &r.group == g && r.series == series[si])
                    {
                        bars.push(Bar {
                            group: gi,
                            slot,
                            series: si,
                            value: r.value,
                            range: r.range,
                        });
                    }
                }
            }
            let vmax = bars
                .iter()
                .map(|b| b.range.map_or(b.value, |(_, hi)| hi.max(b.value)))
                .fold(0.0f64, f64::max);
            // Headroom above the highest whisker for the value labels.
            let (y_top, y_step) = nice_axis(vmax * 1.08);
            Panel {
                unit: prow[0].unit.clone(),
                title,
                groups,
                slots: present.len(),
                bars,
                y_top,
                y_step,
            }
        })
        .collect()
}

/// x extent of bar `slot` of `slots` in group `group`; group `g` spans `g..g + 1`.
fn bar_span(group: usize, slot: usize, slots: usize) -> (f64, f64) {
    let w = GROUP_FILL / slots.max(1) as f64;
    let x0 = group as f64 + (1.0 - GROUP_FILL) / 2.0 + slot as f64 * w;
    let gap = w * 0.04;
    (x0 + gap, x0 + w - gap)
}

/// The y ticks 0, step, 2·step, … up to `top`.
fn ticks(top: f64, step: f64) -> Vec<f64> {
    let n = (top / step).round() as usize;
    (0..=n).map(|i| i as f64 * step).collect()
}

/// Label of an x tick: the group whose centre (`g + 0.5`) is at `x`.
fn group_label(groups: &[String], x: f64) -> String {
    let i = (x - 0.5).round();
    if i >= 0.0 && (x - 0.5 - i).abs() < 1e-6 {
        if let Some(g) = groups.get(i as usize) {
            return g.clone();
        }
    }
    String::new()
}

// ------------------------------------------------------------------ drawing

/// A linear `f64` axis whose ticks are given: the group centres on x, the nice steps
/// up to the nice top on y (plotters' own tick choice hits neither).
struct FixedTicks {
    linear: RangedCoordf64,
    ticks: Vec<f64>,
}

impl FixedTicks {
    fn new(range: Range<f64>, ticks: Vec<f64>) -> FixedTicks {
        FixedTicks {
            linear: range.into(),
            ticks,
        }
    }
}

impl Ranged for FixedTicks {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.linear.map(value, limit)
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        // Only bold lines: no light mesh between the ticks.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.linear.range()
    }
}

const FONT: &str = "sans-serif";
const MARGIN: u32 = 20;
const TITLE_PX: u32 = 26;
const SUBTITLE_PX: u32 = 15;
const LEGEND_PX: u32 = 16;
const MUTED: RGBColor = RGBColor(90, 90, 90);
const GRID: RGBColor = RGBColor(225, 225, 225);
const PALETTE: [RGBColor; 8] = [
    RGBColor(214, 39, 40),   // red
    RGBColor(31, 119, 180),  // blue
    RGBColor(44, 160, 44),   // green
    RGBColor(255, 127, 14),  // orange
    RGBColor(148, 103, 189), // purple
    RGBColor(140, 86, 75),   // brown
    RGBColor(227, 119, 194), // pink
    RGBColor(23, 190, 207),  // cyan
];

fn colour(series: usize) -> RGBColor {
    PALETTE[series % PALETTE.len()]
}

/// Registers DejaVu Sans (regular and bold) as `sans-serif` for ab_glyph; plotters
/// has no other font source in this build.
fn register_fonts() -> Result<(), String> {
    let bad = |_| "the embedded DejaVu font did not load".to_string();
    plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular())
        .map_err(bad)?;
    plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold()).map_err(bad)
}

/// Height of the block above the panels: title, subtitle, legend.
fn header_height(o: &Opts) -> u32 {
    let mut h = MARGIN;
    if !o.title.is_empty() {
        h += TITLE_PX + 8;
    }
    if !o.subtitle.is_empty() {
        h += SUBTITLE_PX + 10;
    }
    h + LEGEND_PX + 16
}

fn image_size(o: &Opts, panels: usize) -> (u32, u32) {
    let cols = o.cols.min(panels).max(1);
    let rows = panels.div_ceil(cols) as u32;
    let h = header_height(o) + rows * o.panel_h as u32 + MARGIN;
    (o.width as u32, h)
}

fn err<E: std::fmt::Display>(e: E) -> String {
    format!("drawing: {e}")
}

/// Draws the whole chart on `root`, sized by [`image_size`].
fn render<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    panels: &[Panel],
    series: &[String],
    o: &Opts,
) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    let (header, body) = root.split_vertically(header_height(o));
    draw_header(&header, series, o)?;
    let body = body.margin(0, MARGIN, MARGIN, MARGIN);
    let cols = o.cols.min(panels.len()).max(1);
    let cells = body.split_evenly((panels.len().div_ceil(cols), cols));
    for (area, p) in cells.iter().zip(panels) {
        draw_panel(area, p, &o.x_title)?;
    }
    Ok(())
}

/// Title, subtitle and the legend: one swatch and name per series.
fn draw_header<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    series: &[String],
    o: &Opts,
) -> Result<(), String> {
    let x = MARGIN as i32;
    let mut y = MARGIN as i32;
    if !o.title.is_empty() {
        let style = (FONT, TITLE_PX as f64, FontStyle::Bold).into_font();
        area.draw(&Text::new(o.title.as_str(), (x, y), style))
            .map_err(err)?;
        y += TITLE_PX as i32 + 8;
    }
    if !o.subtitle.is_empty() {
        let style = (FONT, SUBTITLE_PX as f64).into_font().color(&MUTED);
        area.draw(&Text::new(o.subtitle.as_str(), (x, y), style))
            .map_err(err)?;
        y += SUBTITLE_PX as i32 + 10;
    }
    let style = (FONT, LEGEND_PX as f64).into_font();
    let mut lx = x;
    for (i, s) in series.iter().enumerate() {
        let sw = LEGEND_PX as i32;
        area.draw(&Rectangle::new(
            [(lx, y), (lx + sw, y + sw)],
            colour(i).filled(),
        ))
        .map_err(err)?;
        let name_style = style
            .clone()
            .into_text_style(area)
            .pos(Pos::new(HPos::Left, VPos::Center));
        area.draw(&Text::new(
            s.as_str(),
            (lx + sw + 6, y + sw / 2),
            name_style,
        ))
        .map_err(err)?;
        let (tw, _) = area
            .estimate_text_size(s, &style.clone().into_text_style(area))
            .map_err(err)?;
        lx += sw + 6 + tw as i32 + 28;
    }
    Ok(())
}

/// One panel: caption, axes with ticks and titles, bars, whiskers and value labels.
fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: &Panel,
    x_title: &str,
) -> Result<(), String> {
    let ng = p.groups.len();
    let centres: Vec<f64> = (0..ng).map(|g| g as f64 + 0.5).collect();
    let mut chart = ChartBuilder::on(area)
        .caption(&p.title, (FONT, 19.0, FontStyle::Bold))
        .margin(8)
        .x_label_area_size(52)
        .y_label_area_size(78)
        .build_cartesian_2d(
            FixedTicks::new(0.0..ng as f64, centres),
            FixedTicks::new(0.0..p.y_top, ticks(p.y_top, p.y_step)),
        )
        .map_err(err)?;
    let groups = &p.groups;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .bold_line_style(GRID)
        .axis_style(MUTED)
        .x_label_formatter(&|x| group_label(groups, *x))
        .y_label_formatter(&|y| fmt_tick(*y))
        .x_label_style((FONT, 15.0))
        .y_label_style((FONT, 13.0).into_font().color(&MUTED))
        .x_desc(x_title)
        .y_desc(p.unit.as_str())
        .axis_desc_style((FONT, 14.0))
        .draw()
        .map_err(err)?;

    let centre = |b: &Bar| {
        let (x0, x1) = bar_span(b.group, b.slot, p.slots);
        (x0 + x1) / 2.0
    };
    chart
        .draw_series(p.bars.iter().map(|b| {
            let (x0, x1) = bar_span(b.group, b.slot, p.slots);
            Rectangle::new([(x0, 0.0), (x1, b.value)], colour(b.series).filled())
        }))
        .map_err(err)?;
    // Whiskers: a line from min to max with caps a third of a bar's width (4..=14 px).
    let (x0, x1) = bar_span(0, 0, p.slots);
    let bar_px = chart.backend_coord(&(x1, 0.0)).0 - chart.backend_coord(&(x0, 0.0)).0;
    let cap = (bar_px / 6).clamp(2, 7);
    let whiskers: Vec<(f64, f64, f64)> = p
        .bars
        .iter()
        .filter_map(|b| b.range.map(|(lo, hi)| (centre(b), lo, hi)))
        .collect();
    chart
        .draw_series(
            whiskers
                .iter()
                .map(|&(x, lo, hi)| PathElement::new(vec![(x, lo), (x, hi)], BLACK)),
        )
        .map_err(err)?;
    chart
        .draw_series(whiskers.iter().flat_map(|&(x, lo, hi)| {
            [lo, hi].map(|y| {
                EmptyElement::at((x, y)) + PathElement::new(vec![(-cap, 0), (cap, 0)], BLACK)
            })
        }))
        .map_err(err)?;
    let label = (FONT, 13.0)
        .into_font()
        .into_text_style(area)
        .pos(Pos::new(HPos::Center, VPos::Bottom));
    chart
        .draw_series(p.bars.iter().map(|b| {
            let top = b.range.map_or(b.value, |(_, hi)| hi.max(b.value));
            EmptyElement::at((centre(b), top)) + Text::new(fmt_si(b.value), (0, -5), label.clone())
        }))
        .map_err(err)?;
    Ok(())
}

fn run() -> Result<(), String> {
    let o = parse_args()?;
    let text = std::fs::read_to_string(&o.input).map_err(|e| format!("read {}: {e}", o.input))?;
    let rows = parse_csv(&text)?;
    register_fonts()?;
    let series = first_seen(rows.iter().map(|r| r.series.as_str()));
    let panels = build_panels(&rows, &series);
    let root = BitMapBackend::new(&o.out, image_size(&o, panels.len())).into_drawing_area();
    render(&root, &panels, &series, &o)?;
    root.present().map_err(|e| format!("write {}: {e}", o.out))
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-chart: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn si_format() {
        assert_eq!(fmt_si(1_906_578.0), "1.91M");
        assert_eq!(fmt_si(73_206.0), "73.2k");
        assert_eq!(fmt_si(0.435), "0.435");
        assert_eq!(fmt_si(9.2), "9.20");
        assert_eq!(fmt_si(0.0), "0");
        assert_eq!(fmt_tick(80_000.0), "80k");
        assert_eq!(fmt_tick(2_500_000.0), "2.5M");
        assert_eq!(fmt_tick(0.4), "0.4");
        assert_eq!(fmt_tick(100.0), "100");
    }

    #[test]
    fn axis_covers_value() {
        for v in [0.3, 1.0, 7.3, 73_206.0, 1_943_634.0, 2.6e6] {
            let (top, step) = nice_axis(v);
            assert!(top >= v && top < v * 2.6, "{v} -> {top}");
            assert!(step > 0.0 && top / step <= 8.0);
            let t = ticks(top, step);
            assert_eq!(t[0], 0.0);
            assert!((t[t.len() - 1] - top).abs() < top * 1e-9, "{v}: {t:?}");
        }
    }

    #[test]
    fn csv_parses_and_skips_empty_values() {
        let rows = parse_csv(
            "# comment\npanel,unit,group,series,value,min,max\n\
             P1,ops/s,GET,redis,100,90,110\nP1,ops/s,SET,redis,,,\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].range, Some((90.0, 110.0)));
        assert!(parse_csv("a,b\n").is_err());
    }

    const SAMPLE: &str = "panel,unit,group,series,value,min,max\n\
        A,ops/s,SET,sc,10,9,12\nA,ops/s,SET,redis,8,,\nA,ops/s,GET,sc,11,10,11\n\
        B,us,rb SET,redis,0.5,0.4,0.6\nB,us,rb SET,redis,99,,\n";

    #[test]
    fn panels_keep_order_and_only_their_series() {
        let rows = parse_csv(SAMPLE).unwrap();
        let series = first_seen(rows.iter().map(|r| r.series.as_str()));
        assert_eq!(series, ["sc", "redis"]);
        let p = build_panels(&rows, &series);
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].title.as_str(), p[0].unit.as_str()), ("A", "ops/s"));
        assert_eq!(p[0].groups, ["SET", "GET"]);
        assert_eq!(p[0].slots, 2);
        let cells: Vec<_> = p[0]
            .bars
            .iter()
            .map(|b| (b.group, b.slot, b.series))
            .collect();
        assert_eq!(cells, [(0, 0, 0), (0, 1, 1), (1, 0, 0)]);
        assert!(p[0].y_top >= 12.0 * 1.08);
        // Panel B has only "redis": one bar per group, still coloured as series 1; the
        // repeated cell keeps its first row.
        assert_eq!(p[1].slots, 1);
        assert_eq!(
            p[1].bars,
            [Bar {
                group: 0,
                slot: 0,
                series: 1,
                value: 0.5,
                range: Some((0.4, 0.6))
            }]
        );
    }

    #[test]
    fn bars_stay_inside_their_group_and_apart() {
        for slots in 1..6 {
            let mut prev = 0.0;
            for slot in 0..slots {
                let (x0, x1) = bar_span(2, slot, slots);
                assert!(x0 > 2.0 && x1 < 3.0 && x0 < x1 && x0 > prev);
                prev = x1;
            }
        }
        let (x0, x1) = bar_span(0, 0, 1);
        assert!(
            ((x0 + x1) / 2.0 - 0.5).abs() < 1e-9,
            "a lone bar is centred"
        );
    }

    #[test]
    fn group_labels_only_at_centres() {
        let g = vec!["SET".to_string(), "GET".to_string()];
        assert_eq!(group_label(&g, 0.5), "SET");
        assert_eq!(group_label(&g, 1.5), "GET");
        assert_eq!(group_label(&g, 1.0), "");
        assert_eq!(group_label(&g, 2.5), "");
        assert_eq!(group_label(&g, -0.5), "");
    }

    #[test]
    fn renders_into_a_buffer() {
        register_fonts().unwrap();
        let rows = parse_csv(SAMPLE).unwrap();
        let series = first_seen(rows.iter().map(|r| r.series.as_str()));
        let panels = build_panels(&rows, &series);
        let o = Opts {
            input: String::new(),
            out: String::new(),
            title: "t".into(),
            subtitle: "s".into(),
            x_title: "command".into(),
            cols: 2,
            width: 800,
            panel_h: 300,
        };
        let (w, h) = image_size(&o, panels.len());
        let mut buf = vec![0u8; (w * h * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
            render(&root, &panels, &series, &o).unwrap();
            root.present().unwrap();
        }
        // The first series' colour is on the canvas (its bars and legend swatch).
        let red = PALETTE[0];
        assert!(buf.chunks(3).any(|p| p == [red.0, red.1, red.2]));
    }
}
