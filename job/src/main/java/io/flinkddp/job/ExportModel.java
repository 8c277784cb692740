package io.flinkddp.job;

import io.flinkddp.config.CommandLine;
import io.flinkddp.config.ExportOptions;
import io.flinkddp.config.ExportSettings;
import io.flinkddp.export.ModelExport;
import java.io.PrintStream;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;

/**
 * bin/export: a plain command, not a Flink job (it converts one file on the client; there is nothing
 * to distribute). Reads {@code --model} through Flink's file systems, configured from
 * {@code $FLINK_CONF_DIR/config.yaml} with the plugins of {@code $FLINK_PLUGINS_DIR} (S3), as bin/predict's
 * client does, and writes the export ({@link ModelExport}). Exit codes as the other commands': 0 written,
 * 2 bad options or input (one line), 1 anything else.
 */
public final class ExportModel {

    private ExportModel() {
    }

    public static void main(String[] args) {
        System.exit(runCommand("bin/export", args, System.getenv("FLINK_CONF_DIR"), System.out, System.err));
    }

    static int runCommand(String command, String[] args, String confDir, PrintStream out, PrintStream err) {
        try {
            Map<String, String> texts = CommandLine.merge(ExportOptions.EXPORT, Map.of(), args);
            if (CommandLine.wantsHelp(texts)) {
                out.print(CommandLine.help(command, ExportOptions.EXPORT));
                return CommandOutcome.DONE;
            }
            ExportSettings settings = ExportSettings.fromOptions(texts);
            Configuration conf = confDir == null ? new Configuration() : GlobalConfiguration.loadConfiguration(confDir);
            TrainLocal.initializeFileSystems(conf);
            ModelExport.Exported exported = ModelExport.export(settings);
            out.println("exported: " + exported.output() + " (" + settings.format() + ", " + exported.classCount() + " classes), with "
                    + ModelExport.LABELS + " and " + ModelExport.PREPROCESSING + " beside it");
            return CommandOutcome.DONE;
        } catch (Exception e) {
            return CommandOutcome.failed(e, "export", err);
        }
    }
}
