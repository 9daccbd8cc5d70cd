"use client";
// A wide table scrolls inside its box on a narrow screen instead of widening the page. Phone
// browsers show no scroll bar until the table is touched, so a shadow on each side where columns are
// hidden says there is more; it goes once the table is scrolled to that end.
import { type ReactNode, useEffect, useRef, useState } from "react";

interface Hidden {
  left: boolean;
  right: boolean;
}

export function TableScroll({ children }: { children: ReactNode }) {
  const box = useRef<HTMLDivElement>(null);
  const [hidden, setHidden] = useState<Hidden>({ left: false, right: false });
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const measure = () => {
      // Within a pixel: at a zoom, widths are fractional and a table scrolled to its end is not quite.
      const left = el.scrollLeft > 1;
      const right = el.scrollLeft + el.clientWidth < el.scrollWidth - 1;
      setHidden((h) => (h.left === left && h.right === right ? h : { left, right }));
    };
    measure();
    el.addEventListener("scroll", measure, { passive: true });
    // The box narrows with the window; the table widens as rows and live numbers arrive.
    const resized = new ResizeObserver(measure);
    resized.observe(el);
    for (const child of el.children) resized.observe(child);
    return () => {
      el.removeEventListener("scroll", measure);
      resized.disconnect();
    };
  }, []);
  return (
    <div
      className="table-scroll-frame"
      data-hidden-left={hidden.left || undefined}
      data-hidden-right={hidden.right || undefined}
    >
      <div className="table-scroll" ref={box}>
        {children}
      </div>
    </div>
  );
}
