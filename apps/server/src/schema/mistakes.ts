// A run's most confident mistakes on the validation set, a few per cell of its confusion matrix, with
// their images: which cats it takes for dogs, and how sure it is (@trainql/nn's mistakeExamples).
import { CLASS_NAMES, MISTAKES_PER_CELL, NUM_CLASSES } from "@trainql/nn";
import { WHOLE } from "@trainql/nn/validation";
import { z } from "zod";
import { builder } from "./builder.ts";

builder.prismaObject("ValMistake", {
  description: `A validation image the run got wrong, among the ${MISTAKES_PER_CELL} it was surest of in its cell of valConfusion.`,
  fields: (t) => ({
    index: t.exposeInt("index", { description: "The image's row in the validation set (its trainer's data set)." }),
    trueClass: t.exposeInt("trueClass", { description: "The image's class: a row of valConfusion." }),
    trueClassName: t.string({ select: { trueClass: true }, resolve: (m) => CLASS_NAMES[m.trueClass] ?? "?" }),
    predictedClass: t.exposeInt("predictedClass", { description: "The class predicted: a column of valConfusion." }),
    predictedClassName: t.string({
      select: { predictedClass: true },
      resolve: (m) => CLASS_NAMES[m.predictedClass] ?? "?",
    }),
    confidence: t.exposeFloat("confidence", { description: "The softmax probability given the class predicted." }),
    image: t.string({
      description: "The image, 32 × 32, as a data: URL of a PNG.",
      select: { png: true },
      resolve: (m) => `data:image/png;base64,${Buffer.from(m.png).toString("base64")}`,
    }),
  }),
});

/** A class argument: one of valConfusion's rows (or columns), named in its refusal. */
const classArg = (name: string) =>
  z.int().superRefine((value, ctx) => {
    if (value < 0 || value >= NUM_CLASSES)
      ctx.addIssue({
        code: "custom",
        params: WHOLE,
        message: `${name} must be a class from 0 to ${NUM_CLASSES - 1} (valConfusion.classes, in order); got ${value}`,
      });
  });

builder.prismaObjectField("Run", "valMistakes", (t) =>
  t.relation("valMistakes", {
    description: `valConfusion's cells, ${MISTAKES_PER_CELL} of each at most: the images the run was surest of and wrong, by cell (row-major), the surest first. Empty until valConfusion is there, and for runs that ended before they were kept. Give trueClass and predictedClass for one cell.`,
    args: {
      trueClass: t.arg.int({ required: false, validate: classArg("trueClass").nullish() }),
      predictedClass: t.arg.int({ required: false, validate: classArg("predictedClass").nullish() }),
    },
    query: (args) => ({
      where: { trueClass: args.trueClass ?? undefined, predictedClass: args.predictedClass ?? undefined },
      orderBy: [{ trueClass: "asc" }, { predictedClass: "asc" }, { confidence: "desc" }, { index: "asc" }],
    }),
  }),
);
