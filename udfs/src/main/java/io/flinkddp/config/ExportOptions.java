package io.flinkddp.config;

import java.util.List;

/**
 * The options of export: the model (as predict's {@link ScoringOptions#MODEL}, with its class names),
 * the format to write and the file to write it to. Mixed into {@link ExportSettings}.
 */
public interface ExportOptions extends ScoringOptions {

    /** {@link #FORMAT}'s values. */
    String PTH = "pth";
    String ONNX = "onnx";

    Option<String> EXPORT_MODEL = MODEL.describedAs(
            "The model to export (file://, s3://, hdfs://): a run's model.zip of --model resnet50, with its labels.txt (class names)"
                    + " and summary.json (resize and crop) beside it, or a torchvision resnet50 state_dict (.pth). A cnn-small"
                    + " model is refused: it has no torchvision counterpart.", null);
    Option<String> FORMAT = Option.choice("format",
            "pth: a torchvision resnet50 state_dict as torch.save writes it (float32, batch-norm statistics included);"
                    + " onnx: the inference graph (opset 17, input images [N, 3, crop, crop] normalised, output logits).",
            PTH, ONNX);
    Option<String> EXPORT_OUTPUT = OUTPUT.describedAs(
            "The file to write (file://, s3://, hdfs://), ending in .pth (or .pt) for --format pth, .onnx for onnx; it must not"
                    + " exist. labels.txt and preprocessing.json go beside it.", null);
    Option<String> EXPORT_CLASS_NAMES = CLASS_NAMES.describedAs(
            "Class names instead of the model's labels.txt, in any format predict's --class-names reads; they go to the"
                    + " exported labels.txt (and the ONNX metadata). none: the model's labels.txt, the class indices for a .pth.",
            NONE);

    List<Option<?>> EXPORT = List.of(EXPORT_MODEL, FORMAT, EXPORT_OUTPUT, EXPORT_CLASS_NAMES, HELP);

    default String format() {
        return get(FORMAT);
    }

    /** The file names {@code --format} may write to, lower case. */
    static List<String> extensions(String format) {
        return format.equals(ONNX) ? List.of(".onnx") : List.of(".pth", ".pt");
    }
}
