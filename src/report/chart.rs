//! Bar charts as inline SVG, drawn with plotters' SVG backend. Its text is
//! emitted as `<text>` elements for the browser (or printer) to set, so no
//! font files or fontconfig are needed, and the report stays one file.
use plotters::prelude::*;

use crate::report::texts::{self, Lang};

/// A bar chart of `bars` (label, value), vertical or horizontal (for long
/// labels such as agency names). The value axis is numbered as `lang`
/// writes numbers (30.000, never 30000.0). Returns the `<svg>` element.
pub fn bar_chart(lang: Lang, title: &str, bars: &[(String, f64)], horizontal: bool) -> String {
    let mut svg = String::new();
    // Drawing into a String cannot fail for I/O; a layout error leaves a
    // chart with its title only, and the table beside it still carries the
    // numbers.
    let _ = draw(&mut svg, lang, title, bars, horizontal);
    svg
}

fn draw(
    svg: &mut String,
    lang: Lang,
    title: &str,
    bars: &[(String, f64)],
    horizontal: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let n = bars.len().max(1);
    let max = bars.iter().map(|b| b.1).fold(0.0_f64, f64::max).max(1.0) * 1.1;
    let height = if horizontal {
        (70 + 24 * n) as u32
    } else {
        320
    };
    let root = SVGBackend::with_string(svg, (760, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let label = |i: usize| bars.get(i).map(|b| short(&b.0)).unwrap_or_default();
    let fill = RGBColor(31, 94, 160).filled();
    if horizontal {
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(230)
            // An integer range includes its end: 0..n - 1 is n slots.
            .build_cartesian_2d(0f64..max, (0..n - 1).into_segmented())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n)
            // The first bar on top, as a table reads.
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => label(n - 1 - *i),
                _ => String::new(),
            })
            .x_label_formatter(&|v| texts::number(lang, *v))
            .draw()?;
        chart.draw_series(
            Histogram::horizontal(&chart)
                .style(fill)
                .margin(3)
                .data(bars.iter().enumerate().map(|(i, b)| (n - 1 - i, b.1))),
        )?;
    } else {
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d((0..n - 1).into_segmented(), 0f64..max)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => label(*i),
                _ => String::new(),
            })
            .y_label_formatter(&|v| texts::number(lang, *v))
            .draw()?;
        chart.draw_series(
            Histogram::vertical(&chart)
                .style(fill)
                .margin(6)
                .data(bars.iter().enumerate().map(|(i, b)| (i, b.1))),
        )?;
    }
    root.present()?;
    Ok(())
}

/// Long agency names are cut so the label area stays readable.
fn short(s: &str) -> String {
    const MAX: usize = 32;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(MAX - 1).collect();
        t.push('…');
        t
    }
}
