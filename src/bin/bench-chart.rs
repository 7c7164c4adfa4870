//! `bench-chart`: draws grouped bar charts (PNG) from a small CSV, for
//! `tuning/compare.sh` and the other `tuning/` scripts.
//!
//! ```text
//! bench-chart --in results.csv --out chart.png [--title TEXT] [--subtitle TEXT]
//!             [--cols N] [--width PX] [--panel-height PX]
//! ```
//!
//! Input: CSV with the header `panel,unit,group,series,value,min,max` (`min`/`max` may
//! be empty; when given they are drawn as a whisker over the bar, e.g. the range over
//! rounds). Lines starting with `#` and blank lines are ignored; fields cannot contain
//! commas. Panels are laid out in order of first appearance, `--cols` per row; within
//! a panel the groups are in order of first appearance and each group has one bar per
//! series (global series order and colours, shown in one legend).
//!
//! Only the `png` crate (encoding) and `font8x8` (an 8×8 bitmap font, for text) are
//! used, so no system fonts or plotting libraries are needed.

use std::collections::HashMap;
use std::process::ExitCode;

const HELP: &str = "\
bench-chart: grouped bar charts as PNG from a CSV

Usage: bench-chart --in FILE.csv --out FILE.png [options]

  --in FILE          input CSV: header panel,unit,group,series,value,min,max
                     (min/max optional: drawn as a whisker over the bar)
  --out FILE         PNG to write
  --title TEXT       title at the top
  --subtitle TEXT    smaller line under the title (e.g. date, load average)
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

// ------------------------------------------------------------------ canvas

type Rgb = [u8; 3];

const WHITE: Rgb = [255, 255, 255];
const BLACK: Rgb = [20, 20, 20];
const GRID: Rgb = [225, 225, 225];
const AXIS: Rgb = [110, 110, 110];
const MUTED: Rgb = [90, 90, 90];
const PALETTE: [Rgb; 8] = [
    [214, 39, 40],   // red
    [31, 119, 180],  // blue
    [44, 160, 44],   // green
    [255, 127, 14],  // orange
    [148, 103, 189], // purple
    [140, 86, 75],   // brown
    [227, 119, 194], // pink
    [23, 190, 207],  // cyan
];

struct Canvas {
    w: usize,
    h: usize,
    px: Vec<u8>,
}

impl Canvas {
    fn new(w: usize, h: usize) -> Canvas {
        Canvas {
            w,
            h,
            px: WHITE.repeat(w * h),
        }
    }

    fn set(&mut self, x: i64, y: i64, c: Rgb) {
        if x < 0 || y < 0 || x as usize >= self.w || y as usize >= self.h {
            return;
        }
        let i = (y as usize * self.w + x as usize) * 3;
        self.px[i..i + 3].copy_from_slice(&c);
    }

    fn rect(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, c: Rgb) {
        for y in y0.min(y1)..y0.max(y1) {
            for x in x0.min(x1)..x0.max(x1) {
                self.set(x, y, c);
            }
        }
    }

    fn hline(&mut self, x0: i64, x1: i64, y: i64, c: Rgb) {
        self.rect(x0, y, x1, y + 1, c);
    }

    fn vline(&mut self, x: i64, y0: i64, y1: i64, c: Rgb) {
        self.rect(x, y0, x + 1, y1, c);
    }

    /// Text with its top-left corner at (x, y); every glyph is 8×8 pixels × `scale`.
    fn text(&mut self, x: i64, y: i64, s: &str, scale: i64, c: Rgb) {
        for (k, ch) in s.chars().enumerate() {
            let g = glyph(ch);
            let gx = x + k as i64 * 8 * scale;
            for (row, bits) in g.iter().enumerate() {
                for col in 0..8 {
                    if bits & (1 << col) != 0 {
                        let px = gx + col * scale;
                        let py = y + row as i64 * scale;
                        self.rect(px, py, px + scale, py + scale, c);
                    }
                }
            }
        }
    }

    fn text_centered(&mut self, cx: i64, y: i64, s: &str, scale: i64, c: Rgb) {
        self.text(cx - text_w(s, scale) / 2, y, s, scale, c);
    }

    fn write_png(&self, path: &str) -> Result<(), String> {
        let f = std::fs::File::create(path).map_err(|e| format!("create {path}: {e}"))?;
        let mut enc = png::Encoder::new(std::io::BufWriter::new(f), self.w as u32, self.h as u32);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut wr = enc
            .write_header()
            .map_err(|e| format!("write {path}: {e}"))?;
        wr.write_image_data(&self.px)
            .map_err(|e| format!("write {path}: {e}"))?;
        wr.finish().map_err(|e| format!("write {path}: {e}"))
    }
}

fn text_w(s: &str, scale: i64) -> i64 {
    s.chars().count() as i64 * 8 * scale
}

fn glyph(ch: char) -> [u8; 8] {
    use font8x8::legacy::{BASIC_LEGACY, LATIN_LEGACY};
    let ch = match ch {
        '–' | '—' | '−' => '-',
        '×' => 'x',
        '·' => '.',
        '≈' => '~',
        c => c,
    };
    let u = ch as u32;
    if u < 128 {
        BASIC_LEGACY[u as usize]
    } else if (0xA0..0x100).contains(&u) {
        LATIN_LEGACY[(u - 0xA0) as usize]
    } else {
        BASIC_LEGACY[b'?' as usize]
    }
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

// ------------------------------------------------------------------ layout

fn first_seen<'a>(items: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for s in items {
        if !v.iter().any(|x| x == s) {
            v.push(s.to_string());
        }
    }
    v
}

fn draw(rows: &[Row], o: &Opts) -> Canvas {
    let panels = first_seen(rows.iter().map(|r| r.panel.as_str()));
    let series = first_seen(rows.iter().map(|r| r.series.as_str()));
    let color: HashMap<&str, Rgb> = series
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), PALETTE[i % PALETTE.len()]))
        .collect();

    let cols = o.cols.min(panels.len()).max(1);
    let nrows = panels.len().div_ceil(cols);
    let margin = 20i64;
    let mut top = margin;
    let title_h = if o.title.is_empty() { 0 } else { 16 + 8 };
    let sub_h = if o.subtitle.is_empty() { 0 } else { 8 + 8 };
    let legend_h = 16 + 14;
    let width = o.width as i64;
    let height = top + title_h + sub_h + legend_h + nrows as i64 * o.panel_h as i64 + margin;
    let mut cv = Canvas::new(o.width, height as usize);

    if !o.title.is_empty() {
        let scale = if text_w(&o.title, 2) <= width - 2 * margin {
            2
        } else {
            1
        };
        cv.text(margin, top, &o.title, scale, BLACK);
        top += title_h;
    }
    if !o.subtitle.is_empty() {
        cv.text(margin, top, &o.subtitle, 1, MUTED);
        top += sub_h;
    }
    // Legend: one swatch + name per series.
    let mut lx = margin;
    for s in &series {
        cv.rect(lx, top, lx + 16, top + 16, color[s.as_str()]);
        cv.text(lx + 22, top + 4, s, 1, BLACK);
        lx += 22 + text_w(s, 1) + 28;
    }
    top += legend_h;

    let pw = (width - 2 * margin) / cols as i64;
    let ph = o.panel_h as i64;
    for (pi, panel) in panels.iter().enumerate() {
        let px = margin + (pi % cols) as i64 * pw;
        let py = top + (pi / cols) as i64 * ph;
        let prow: Vec<&Row> = rows.iter().filter(|r| &r.panel == panel).collect();
        draw_panel(&mut cv, &prow, &series, &color, px, py, pw, ph);
    }
    cv
}

#[allow(clippy::too_many_arguments)]
fn draw_panel(
    cv: &mut Canvas,
    rows: &[&Row],
    all_series: &[String],
    color: &HashMap<&str, Rgb>,
    x: i64,
    y: i64,
    w: i64,
    h: i64,
) {
    let title = &rows[0].panel;
    let unit = &rows[0].unit;
    let tscale = if text_w(title, 2) <= w - 20 { 2 } else { 1 };
    cv.text(x + 10, y + 4, title, tscale, BLACK);
    // Plot area.
    let left = x + 62;
    let right = x + w - 14;
    let ptop = y + 4 + 8 * tscale + 22;
    let bottom = y + h - 34;
    let groups = first_seen(rows.iter().map(|r| r.group.as_str()));
    let series: Vec<&String> = all_series
        .iter()
        .filter(|s| rows.iter().any(|r| &r.series == *s))
        .collect();
    let vmax = rows
        .iter()
        .map(|r| r.range.map_or(r.value, |(_, hi)| hi.max(r.value)))
        .fold(0.0f64, f64::max);
    let (ymax, step) = nice_axis(vmax * 1.06); // headroom for the value labels
    let ypix = |v: f64| bottom - ((v / ymax) * (bottom - ptop) as f64).round() as i64;

    // Grid and y tick labels.
    let mut t = 0.0;
    while t <= ymax * 1.0001 {
        let yy = ypix(t);
        cv.hline(left, right, yy, GRID);
        let lab = fmt_tick(t);
        cv.text(left - 6 - text_w(&lab, 1), yy - 4, &lab, 1, MUTED);
        t += step;
    }
    cv.text(x + 4, ptop - 14, unit, 1, MUTED);
    cv.vline(left, ptop, bottom + 1, AXIS);
    cv.hline(left, right, bottom, AXIS);

    let gw = (right - left) as f64 / groups.len() as f64;
    let inner = gw * 0.82;
    let bw = (inner / series.len().max(1) as f64).max(2.0);
    for (gi, g) in groups.iter().enumerate() {
        let gx0 = left as f64 + gi as f64 * gw + (gw - inner) / 2.0;
        let lab_scale = if text_w(g, 2) as f64 <= gw - 4.0 {
            2
        } else {
            1
        };
        cv.text_centered(
            (left as f64 + (gi as f64 + 0.5) * gw) as i64,
            bottom + 8,
            g,
            lab_scale,
            BLACK,
        );
        for (si, s) in series.iter().enumerate() {
            let Some(r) = rows.iter().find(|r| &r.group == g && &r.series == *s) else {
                continue;
            };
            let bx0 = (gx0 + si as f64 * bw) as i64 + 1;
            let bx1 = (gx0 + (si as f64 + 1.0) * bw) as i64 - 1;
            let by = ypix(r.value);
            cv.rect(bx0, by, bx1.max(bx0 + 1), bottom, color[s.as_str()]);
            let cx = (bx0 + bx1) / 2;
            let mut label_y = by - 11;
            if let Some((lo, hi)) = r.range {
                let (ylo, yhi) = (ypix(lo), ypix(hi));
                cv.vline(cx, yhi, ylo + 1, BLACK);
                let cap = ((bx1 - bx0) / 4).clamp(1, 5);
                cv.hline(cx - cap, cx + cap + 1, yhi, BLACK);
                cv.hline(cx - cap, cx + cap + 1, ylo, BLACK);
                label_y = label_y.min(yhi - 11);
            }
            cv.text_centered(cx, label_y, &fmt_si(r.value), 1, BLACK);
        }
    }
}

fn run() -> Result<(), String> {
    let o = parse_args()?;
    let text = std::fs::read_to_string(&o.input).map_err(|e| format!("read {}: {e}", o.input))?;
    let rows = parse_csv(&text)?;
    let cv = draw(&rows, &o);
    cv.write_png(&o.out)
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
}
