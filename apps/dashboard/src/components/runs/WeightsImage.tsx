"use client";
// The first-layer weights grid, a PNG the API serves. Its address needs the API's origin and the
// session's token, which only the browser knows: the src is set once fileUrl has them, after
// hydration (a server-rendered src pointed at the dashboard's own origin, and hydration never fixed it). Shown at a whole-number
// multiple of its size, so every separator line of the grid is equally wide.
import { useCallback, useEffect, useRef, useState } from "react";
import { useApi } from "../Providers";

export function WeightsImage({ path, alt, maxWidth = 480 }: { path: string; alt: string; maxWidth?: number }) {
  const { fileUrl } = useApi();
  const image = useRef<HTMLImageElement>(null);
  const [width, setWidth] = useState<number | undefined>();

  const fit = useCallback(() => {
    const img = image.current;
    const room = Math.min(maxWidth, img?.parentElement?.clientWidth ?? maxWidth);
    if (!img?.naturalWidth) return;
    const scale = Math.floor(room / img.naturalWidth);
    // Narrower than the image itself: shrink to fit (uneven lines are better than overflowing).
    setWidth(scale >= 1 ? scale * img.naturalWidth : undefined);
  }, [maxWidth]);

  useEffect(() => {
    const parent = image.current?.parentElement;
    if (!parent) return;
    const observer = new ResizeObserver(fit);
    observer.observe(parent);
    return () => observer.disconnect();
  }, [fit]);

  return (
    // biome-ignore lint/performance/noImgElement: a PNG served by the API, refreshed every epoch
    <img
      ref={image}
      className="weights"
      src={fileUrl(path)}
      alt={alt}
      onLoad={fit}
      style={width ? { width, maxWidth: "100%" } : { maxWidth }}
    />
  );
}
