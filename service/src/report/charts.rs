//! Line charts drawn to SVG text by `plotters` (its SVG backend only: no fonts are
//! read, text is left to the browser as `<text>` elements, which plotters escapes).
//!
//! One chart: weeks along the x axis, one line per series (with a shaded band around
//! it where the series has one: a 95% confidence interval over replications), and a
//! legend to the right of the plot, outside it, so that it never hides a line. The output depends only on
//! the input: the same figures give the same bytes.

use plotters::coord::Shift;
use plotters::prelude::*;

/// The colours of the lines, in series order (repeated after ten): distinct on white
/// and for the common colour-vision deficiencies as far as ten colours allow.
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x7f, 0x7f, 0x7f),
    RGBColor(0xbc, 0xbd, 0x22),
    RGBColor(0x17, 0xbe, 0xcf),
];

/// The colour of series `idx`, as CSS.
pub fn css_colour(idx: usize) -> String {
    let RGBColor(r, g, b) = PALETTE[idx % PALETTE.len()];
    format!("#{r:02x}{g:02x}{b:02x}")
}

pub const WIDTH: u32 = 960;
const LEGEND_WIDTH: u32 = 230;
const LEGEND_ROW: i32 = 24;
/// Longest name the legend shows whole (the summary table has the full name).
const LEGEND_CHARS: usize = 26;

/// One line: a name for the legend and (week, value) points, and an optional band
/// (week, low, high) shaded behind it in the line's colour (empty: none).
pub struct Series<'a> {
    pub name: &'a str,
    pub points: Vec<(u32, f64)>,
    pub band: Vec<(u32, f64, f64)>,
}

/// The opacity of a band's fill.
const BAND_OPACITY: f64 = 0.18;

/// A band as a closed outline: along its top, then back along its bottom.
fn band_outline(band: &[(u32, f64, f64)]) -> Vec<(u32, f64)> {
    band.iter()
        .map(|&(w, _, hi)| (w, hi))
        .chain(band.iter().rev().map(|&(w, lo, _)| (w, lo)))
        .collect()
}

/// How the y axis reads.
#[derive(Clone, Copy)]
pub struct YAxis<'a> {
    /// The axis title.
    pub label: &'a str,
    /// Appended to every tick label ("%").
    pub unit: &'a str,
    /// Decimals of the tick labels.
    pub decimals: usize,
    /// The axis spans at least this much, so that a flat line is not magnified into noise
    /// and ticks stay whole where `decimals` is 0.
    pub min_span: f64,
    /// The axis starts at 0 whatever the figures.
    pub from_zero: bool,
    /// The axis never goes above this (100 for a percentage).
    pub max: Option<f64>,
}

/// The y range: the figures' range, padded by 8% of the span, no lower than 0.
fn y_range(series: &[Series], axis: &YAxis) -> (f64, f64) {
    let values = series
        .iter()
        .flat_map(|s| (s.points.iter().map(|p| p.1)).chain(s.band.iter().flat_map(|b| [b.1, b.2])));
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 0.0) };
    let lo = if axis.from_zero { 0.0_f64.min(lo) } else { lo };
    let span = (hi - lo).max(axis.min_span);
    let middle = (lo + hi) / 2.0;
    let (mut lo, mut hi) = if hi - lo < axis.min_span {
        (middle - span / 2.0, middle + span / 2.0)
    } else {
        (lo, hi)
    };
    lo -= 0.08 * span;
    hi += 0.08 * span;
    if lo < 0.0 {
        hi -= lo;
        lo = 0.0;
    }
    if axis.from_zero {
        hi -= lo;
        lo = 0.0;
    }
    if let Some(max) = axis.max
        && hi > max
    {
        lo = (lo - (hi - max)).max(0.0);
        hi = max;
    }
    (lo, hi)
}

fn shorten(name: &str) -> String {
    if name.chars().count() <= LEGEND_CHARS {
        name.to_string()
    } else {
        let mut s: String = name.chars().take(LEGEND_CHARS - 1).collect();
        s.push('…');
        s
    }
}

/// Series `idx` as runs of points, each with its stroke width. Where later series
/// draw the very same segment (often: a variant not yet in force follows the baseline),
/// this one is drawn wider, 3 pixels more for each (up to three), so that every line stays visible,
/// nested in the ones drawn before it.
fn nested_runs(series: &[Series], idx: usize) -> Vec<(u32, Vec<(u32, f64)>)> {
    let points = &series[idx].points;
    let later = &series[idx + 1..];
    let width = |k: usize| {
        let shared = later
            .iter()
            .filter(|o| o.points.get(k..k + 2) == points.get(k..k + 2))
            .count() as u32;
        2 + 3 * shared.min(3)
    };
    let mut runs: Vec<(u32, Vec<(u32, f64)>)> = Vec::new();
    for k in 0..points.len().saturating_sub(1) {
        let w = width(k);
        match runs.last_mut() {
            Some((last, run)) if *last == w => run.push(points[k + 1]),
            _ => runs.push((w, vec![points[k], points[k + 1]])),
        }
    }
    if points.len() == 1 {
        runs.push((2, points.clone()));
    }
    runs
}

/// A line chart as an `<svg>` element, `height` pixels high; `x_label` titles the
/// weeks axis.
pub fn line_chart(
    series: &[Series],
    x_label: &str,
    y: &YAxis,
    height: u32,
) -> Result<String, Box<dyn std::error::Error>> {
    let weeks = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .max()
        .unwrap_or(0)
        .max(1);
    let (y_lo, y_hi) = y_range(series, y);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let (plot, legend) = root.split_horizontally(WIDTH - LEGEND_WIDTH);
        let mut chart = ChartBuilder::on(&plot)
            .margin_top(16)
            .margin_left(8)
            .margin_right(16)
            .margin_bottom(8)
            .x_label_area_size(44)
            .y_label_area_size(72)
            .build_cartesian_2d(0u32..weeks, y_lo..y_hi)?;
        let tick_font = ("sans-serif", 15).into_font();
        let title_font = ("sans-serif", 17).into_font();
        let decimals = y.decimals;
        let unit = y.unit;
        let y_ticks = |v: &f64| format!("{v:.decimals$}{unit}");
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y.label)
            .x_labels(weeks.min(13) as usize + 1)
            .y_labels(6)
            .y_label_formatter(&y_ticks)
            .label_style(tick_font)
            .axis_desc_style(title_font)
            .bold_line_style(RGBColor(0xdd, 0xdd, 0xdd))
            .light_line_style(TRANSPARENT)
            .axis_style(RGBColor(0x44, 0x44, 0x44))
            .draw()?;
        for (idx, s) in series.iter().enumerate() {
            if s.band.len() > 1 {
                let colour = PALETTE[idx % PALETTE.len()];
                chart.draw_series(std::iter::once(Polygon::new(
                    band_outline(&s.band),
                    colour.mix(BAND_OPACITY).filled(),
                )))?;
            }
        }
        for idx in 0..series.len() {
            let colour = PALETTE[idx % PALETTE.len()];
            for (width, run) in nested_runs(series, idx) {
                chart.draw_series(LineSeries::new(run, colour.stroke_width(width)))?;
            }
        }
        draw_legend(&legend.margin(16, 0, 8, 8), series)?;
        root.present()?;
    }
    Ok(svg)
}

/// The legend beside the plot: a key and a name per series, and a note under a series
/// whose line another one already draws.
fn draw_legend(
    legend: &DrawingArea<SVGBackend<'_>, Shift>,
    series: &[Series],
) -> Result<(), Box<dyn std::error::Error>> {
    let mut row = 10;
    for (idx, s) in series.iter().enumerate() {
        let colour = PALETTE[idx % PALETTE.len()];
        legend.draw(&PathElement::new(
            vec![(0, row), (28, row)],
            colour.stroke_width(3),
        ))?;
        legend.draw(&Text::new(
            shorten(s.name),
            (36, row - 8),
            ("sans-serif", 16).into_font().color(&BLACK),
        ))?;
        if let Some(same) = series[..idx].iter().find(|e| e.points == s.points) {
            row += 17;
            legend.draw(&Text::new(
                format!("same line as {}", shorten(same.name)),
                (36, row - 6),
                ("sans-serif", 13)
                    .into_font()
                    .color(&RGBColor(0x55, 0x55, 0x55)),
            ))?;
        }
        row += LEGEND_ROW;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const COUNT: YAxis = YAxis {
        label: "patients",
        unit: "",
        decimals: 0,
        min_span: 5.0,
        from_zero: false,
        max: None,
    };

    #[test]
    fn a_flat_line_gets_the_minimum_span_and_never_goes_below_zero() {
        let s = [Series {
            name: "a",
            points: vec![(0, 1.0), (1, 1.0)],
            band: Vec::new(),
        }];
        let (lo, hi) = y_range(&s, &COUNT);
        assert_eq!(lo, 0.0);
        assert!(hi >= 5.0, "{hi}");
        let s = [Series {
            name: "a",
            points: vec![(0, 100.0), (1, 100.0)],
            band: Vec::new(),
        }];
        let (lo, hi) = y_range(&s, &COUNT);
        assert!(lo < 100.0 && hi > 100.0 && hi - lo >= 5.0, "{lo} {hi}");
    }

    #[test]
    fn a_line_shared_with_later_ones_is_drawn_wider_where_shared() {
        let s = [
            Series {
                name: "baseline",
                points: vec![(0, 1.0), (1, 2.0), (2, 3.0), (3, 4.0)],
                band: Vec::new(),
            },
            Series {
                name: "later",
                points: vec![(0, 1.0), (1, 2.0), (2, 5.0), (3, 6.0)],
                band: Vec::new(),
            },
        ];
        assert_eq!(
            nested_runs(&s, 0),
            vec![
                (5, vec![(0, 1.0), (1, 2.0)]),
                (2, vec![(1, 2.0), (2, 3.0), (3, 4.0)])
            ]
        );
        assert_eq!(nested_runs(&s, 1), vec![(2, s[1].points.clone())]);
    }

    #[test]
    fn a_percentage_stops_at_100() {
        let axis = YAxis {
            max: Some(100.0),
            ..COUNT
        };
        let s = [Series {
            name: "a",
            points: vec![(0, 97.0), (1, 100.0)],
            band: Vec::new(),
        }];
        let (lo, hi) = y_range(&s, &axis);
        assert_eq!(hi, 100.0);
        assert!(lo < 97.0);
    }

    #[test]
    fn the_legend_names_every_series_escaped_and_each_gets_a_line() {
        let s = [
            Series {
                name: "baseline",
                points: vec![(0, 10.0), (1, 12.0), (2, 11.0)],
                band: Vec::new(),
            },
            Series {
                name: "<b>&",
                points: vec![(0, 10.0), (1, 9.0), (2, 8.0)],
                band: Vec::new(),
            },
        ];
        let svg = line_chart(&s, "week", &COUNT, 300).unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("baseline"));
        assert!(svg.contains("&lt;b&gt;&amp;"));
        assert!(!svg.contains("<b>"));
        for idx in 0..2 {
            let drawn = format!(
                "<polyline fill=\"none\" opacity=\"1\" stroke=\"{}\"",
                css_colour(idx).to_uppercase()
            );
            assert_eq!(
                svg.matches(&drawn).count(),
                2,
                "a line, a legend key: {svg}"
            );
        }
        assert_eq!(svg, line_chart(&s, "week", &COUNT, 300).unwrap());
        assert!(!svg.contains("<polygon"), "no band without one: {svg}");
    }

    #[test]
    fn a_band_is_shaded_behind_its_line_and_widens_the_axis() {
        let s = [Series {
            name: "mean",
            points: vec![(0, 10.0), (1, 12.0), (2, 11.0)],
            band: vec![(0, 8.0, 12.0), (1, 10.0, 14.0), (2, 9.0, 40.0)],
        }];
        assert_eq!(
            band_outline(&s[0].band),
            vec![
                (0, 12.0),
                (1, 14.0),
                (2, 40.0),
                (2, 9.0),
                (1, 10.0),
                (0, 8.0)
            ]
        );
        let (_, hi) = y_range(&s, &COUNT);
        assert!(hi >= 40.0, "{hi}");
        let svg = line_chart(&s, "week", &COUNT, 300).unwrap();
        assert_eq!(svg.matches("<polygon").count(), 1, "{svg}");
        let polygon = svg.find("<polygon").unwrap();
        let drawn = format!(
            "<polyline fill=\"none\" opacity=\"1\" stroke=\"{}\"",
            css_colour(0).to_uppercase()
        );
        let line = svg.find(&drawn).unwrap();
        assert!(polygon < line, "the band is drawn first");
    }
}
