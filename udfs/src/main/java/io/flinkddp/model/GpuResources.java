package io.flinkddp.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;

/**
 * The GPUs Flink's external-resource framework gave this TaskManager ({@code external-resources: gpu}
 * with Flink's GPU driver, as docker-compose.yml's gpu profile configures): in, the infos of
 * {@code getRuntimeContext().getExternalResourceInfos("gpu")}; out, their device indices (each info's
 * {@code index} property, as the GPU discovery script reports them), sorted. Empty when the TaskManager
 * has no such resource: then the slots use what the ND4J backend shows. Keeps nothing.
 */
public final class GpuResources {

    /** The resource name in {@code external-resources}. */
    public static final String RESOURCE = "gpu";
    private static final String INDEX = "index";

    private GpuResources() {
    }

    public static List<Integer> indices(Set<ExternalResourceInfo> infos) {
        List<Integer> indices = new ArrayList<>();
        for (ExternalResourceInfo info : infos) {
            String index = info.getProperty(INDEX).orElseThrow(() -> new IllegalStateException(
                    "external resource " + RESOURCE + " without an " + INDEX + " property: " + info.getKeys()));
            try {
                indices.add(Integer.parseInt(index.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalStateException("external resource " + RESOURCE + " has index '" + index + "', not a number", e);
            }
        }
        indices.sort(null);
        return List.copyOf(indices);
    }
}
