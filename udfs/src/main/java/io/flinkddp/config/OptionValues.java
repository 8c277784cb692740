package io.flinkddp.config;

/** Something that holds a value for each option of its command: the base of the option groups' typed getters. */
public interface OptionValues {

    /** The value of {@code option} (its default where none was given). */
    <T> T get(Option<T> option);
}
