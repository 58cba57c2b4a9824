package dev.obdj.lookup;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API species the lookup uses, in one place. Loaded only after
 * {@link LookupProvider} has checked that the incubator module is readable.
 */
final class VectorConstants {
    static final VectorSpecies<Integer> INT_512 = IntVector.SPECIES_512;
    static final VectorSpecies<Long> LONG_512 = LongVector.SPECIES_512;
    static final VectorSpecies<Integer> INT_256 = IntVector.SPECIES_256;
    static final VectorSpecies<Long> LONG_256 = LongVector.SPECIES_256;

    private VectorConstants() {}

    /** Width in bits of the species the JIT prefers on this machine and these flags. */
    static int preferredBits() {
        return IntVector.SPECIES_PREFERRED.vectorBitSize();
    }
}
