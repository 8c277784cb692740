package io.flinkddp.train;

import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * Flink's type information for {@link GradientChunk} (declared on the class with {@code @TypeInfo}):
 * an atomic type with the bulk {@link GradientChunkSerializer}. Being atomic, it is partitioned with
 * a key selector ({@link GradientChunk.Key}), not a field name.
 */
public final class GradientChunkTypeInfo extends TypeInformation<GradientChunk> {

    private static final long serialVersionUID = 1L;

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<GradientChunk> getTypeClass() {
        return GradientChunk.class;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<GradientChunk> createSerializer(ExecutionConfig config) {
        return new GradientChunkSerializer();
    }

    @Override
    public String toString() {
        return "GradientChunk";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof GradientChunkTypeInfo;
    }

    @Override
    public int hashCode() {
        return GradientChunkTypeInfo.class.hashCode();
    }

    @Override
    public boolean canEqual(Object other) {
        return other instanceof GradientChunkTypeInfo;
    }

    /** Named by {@code @TypeInfo} on {@link GradientChunk}. */
    public static final class Factory extends TypeInfoFactory<GradientChunk> {
        @Override
        public TypeInformation<GradientChunk> createTypeInfo(Type type, Map<String, TypeInformation<?>> genericParameters) {
            return new GradientChunkTypeInfo();
        }
    }
}
