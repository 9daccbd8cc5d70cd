// A run's most confident mistakes on the validation set, a few per cell of its confusion matrix, with
// their images: which cats it takes for dogs, and how sure it is (@trainql/nn's mistakeExamples).
import { CLASS_NAMES, MISTAKES_PER_CELL, NUM_CLASSES } from "@trainql/nn";
import { WHOLE } from "@trainql/nn/validation";
import { z } from "zod";
import { mistakeImagePath } from "../exports/mistakeImage.ts";
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
    imageUrl: t.string({
      description: "The image, a 32 × 32 PNG (path on this server).",
      select: { runId: true, index: true },
      resolve: (m) => mistakeImagePath(m.runId, m.index),
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
    description: `valConfusion's cell of trueClass (its row) and predictedClass (its column): up to ${MISTAKES_PER_CELL} of its images, those the run was surest of and wrong, the surest first. Empty until valConfusion is there, and for runs that ended before they were kept.`,
    args: {
      trueClass: t.arg.int({ required: true, validate: classArg("trueClass") }),
      predictedClass: t.arg.int({ required: true, validate: classArg("predictedClass") }),
    },
    query: ({ trueClass, predictedClass }) => ({
      where: { trueClass, predictedClass },
      orderBy: [{ confidence: "desc" }, { index: "asc" }],
    }),
  }),
);
