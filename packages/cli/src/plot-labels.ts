// Point labels that do not overlap: Vega-Lite places a text mark at a fixed offset from its point, so
// near points' labels print over each other and a label near the right edge runs into the legend.
// Here each label gets the first of four places (right/left × above/below) where its box stays inside
// the plot and clears the labels already placed, or is left out (the legend and the other labels still
// name the point). The axes' domains are fixed here too, so the pixel positions computed are the drawn ones.

export type LabelPlace = 'right-above' | 'left-above' | 'right-below' | 'left-below';

export const LABEL_PLACES: readonly LabelPlace[] = ['right-above', 'left-above', 'right-below', 'left-below'];

export interface LabelLayout {
  width: number;
  height: number;
  xDomain: [number, number];
  yDomain: [number, number];
  fontSize: number;
}

const OFFSET = 7;

/** A domain around `values` with `pad` of its span on each side (a span of zero gets ±1 % of the value, or ±1). */
export function paddedDomain(values: number[], pad = 0.06): [number, number] {
  const lo = Math.min(...values),
    hi = Math.max(...values);
  const span = hi - lo || Math.abs(lo) * 0.02 || 2;
  return [lo - pad * span, hi + pad * span];
}

/** Where each label goes (undefined: left out), in the order given (earlier labels win a contested place). */
export function placeLabels(
  points: { x: number; y: number; label: string }[],
  layout: LabelLayout,
): (LabelPlace | undefined)[] {
  const {
    width,
    height,
    xDomain: [x0, x1],
    yDomain: [y0, y1],
    fontSize,
  } = layout;
  const boxes: { left: number; right: number; top: number; bottom: number }[] = [];
  // the points themselves are obstacles too
  for (const p of points) {
    const px = ((p.x - x0) / (x1 - x0)) * width,
      py = height - ((p.y - y0) / (y1 - y0)) * height;
    boxes.push({ left: px - 4, right: px + 4, top: py - 4, bottom: py + 4 });
  }
  const overlaps = (b: (typeof boxes)[number]) =>
    boxes.some((o) => b.left < o.right && o.left < b.right && b.top < o.bottom && o.top < b.bottom);
  return points.map((p) => {
    if (p.label === '') return undefined;
    const px = ((p.x - x0) / (x1 - x0)) * width,
      py = height - ((p.y - y0) / (y1 - y0)) * height;
    const w = 0.62 * fontSize * p.label.length,
      h = fontSize;
    for (const place of LABEL_PLACES) {
      const right = place.startsWith('right'),
        above = place.endsWith('above');
      const left = right ? px + OFFSET : px - OFFSET - w;
      const top = above ? py - OFFSET - h : py + OFFSET;
      const box = { left, right: left + w, top, bottom: top + h };
      if (box.left < 0 || box.right > width || box.top < 0 || box.bottom > height || overlaps(box)) continue;
      boxes.push(box);
      return place;
    }
    return undefined;
  });
}

/** Four text layers (one per place) drawing the labels of the records whose `field` names that place. */
export function labelLayers(x: object, y: object, fontSize: number, field = 'place', extra: object = {}): object[] {
  return LABEL_PLACES.map((place) => {
    const right = place.startsWith('right'),
      above = place.endsWith('above');
    return {
      transform: [{ filter: `datum.${field} === '${place}'` }],
      mark: {
        type: 'text',
        fontSize,
        align: right ? 'left' : 'right',
        baseline: above ? 'bottom' : 'top',
        dx: right ? OFFSET : -OFFSET,
        dy: above ? -OFFSET : OFFSET,
      },
      encoding: { x, y, text: { field: 'label' }, ...extra },
    };
  });
}
