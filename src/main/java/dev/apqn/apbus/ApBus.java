package dev.apqn.apbus;

import dev.apqn.ap.ApDriver;
import dev.apqn.ap.ApMask;
import dev.apqn.ap.ApMdev;
import dev.apqn.ap.ApQueue;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * The node agent's port to the kernel's AP bus and vfio_ap (ap-bus.md): inventory, host/vfio
 * ownership (masks or 6.19 driver_override), bind/unbind, mdev lifecycle and assignment. No
 * Kubernetes types. {@link SysfsApBus} is the only implementation; it talks to a real sysfs tree
 * or to the simulated kernel's, through {@link Sysfs}.
 *
 * <p>Conventions of every method:
 * <ul>
 *   <li>Every value is written with exactly one {@code write()}; a kernel refusal surfaces as
 *       {@link SysfsException} carrying the kernel's errno and a sentence, never swallowed and never
 *       retried here. A {@link SysfsTimeoutException} on a write means the outcome is unknown:
 *       re-read before deciding.</li>
 *   <li>Write formats: masks {@code 0x} + 64 hex digits + {@code \n}; {@code ap_config}
 *       {@code apm,aqm,adm\n} (three such masks); numbers for assign/unassign in <b>decimal without
 *       newline</b> (as mdevctl writes them; the kernel's {@code kstrtoul} would read a leading 0 as
 *       octal, decimal avoids that); device names ({@code 05.0004}), UUIDs and driver names without
 *       newline; {@code remove} gets {@code 1}; {@code scans} gets {@code 1}; clearing a
 *       {@code driver_override} writes {@code \n} (an empty write would not reach the kernel).</li>
 *   <li>Methods named {@code write…}/{@code edit…} return the value re-read after the write.</li>
 *   <li>Nothing here writes a queue's {@code reset} or {@code online}.</li>
 * </ul>
 */
public interface ApBus {

    // ---- inventory ------------------------------------------------------------------------

    /** Reads everything (bus, cards, every queue, mdevs) and detects capabilities. Expensive on a large node. */
    ApInventory inventory() throws SysfsException;

    /**
     * Brings the last inventory up to date by reading only cheap change signals and rereading the
     * queues they point at; falls back to {@link #inventory()} the first time and periodically.
     * See {@link SysfsApBus} for the signals and what a quiet refresh can miss.
     */
    ApInventory refresh() throws SysfsException;

    /**
     * Brings the last inventory up to date with this bus's own writes since the last read, reading
     * only what they can have changed: apmask/aqmask and the queues of the flipped bits, each written
     * mdev and the queues of its old and new matrix, each queue written directly. Nothing else is
     * read: a change made by someone else is found by the next {@link #refresh()} or full read. The
     * verification read after a converge's writes; not counted as a refresh.
     */
    ApInventory rereadWritten() throws SysfsException;

    /** Cost and reasons of the last {@link #inventory()}, {@link #refresh()} or {@link #rereadWritten()}. */
    ApRefreshStats lastRefreshStats();

    /** Capabilities, detected from the files present (from the last inventory, or detected now). */
    NodeCapabilities capabilities() throws SysfsException;

    /** Reads all bus attributes now. */
    ApBusState busState() throws SysfsException;

    /** Reads one queue device now (all its attributes). ENOENT if it does not exist. */
    ApQueue queue(Apqn apqn) throws SysfsException;

    /** {@code requestq_count + pendingq_count} of the queue, read now (what a drain polls). */
    int inFlight(Apqn apqn) throws SysfsException;

    // ---- host ownership: masks ---------------------------------------------------------------

    ApMask readApmask() throws SysfsException;

    ApMask readAqmask() throws SysfsException;

    /** Writes the whole apmask (absolute form) and returns it re-read. */
    ApMask writeApmask(ApMask mask) throws SysfsException;

    /** Writes the whole aqmask (absolute form) and returns it re-read. */
    ApMask writeAqmask(ApMask mask) throws SysfsException;

    /**
     * Reads apmask, sets {@code set} and clears {@code clear} (clear wins), writes the absolute
     * result if it differs (no write when it does not) and returns the mask re-read.
     */
    ApMask editApmask(ApMask set, ApMask clear) throws SysfsException;

    /** As {@link #editApmask} for aqmask. */
    ApMask editAqmask(ApMask set, ApMask clear) throws SysfsException;

    // ---- host ownership: driver_override (6.19+) ----------------------------------------------

    /** Writes the queue's {@code driver_override} ({@code vfio_ap} or {@code cex4queue}). */
    void setDriverOverride(Apqn apqn, ApDriver driver) throws SysfsException;

    /** Clears the queue's {@code driver_override}. */
    void clearDriverOverride(Apqn apqn) throws SysfsException;

    /** Writes the device name to {@code /sys/bus/ap/drivers_probe}: bind an unbound queue to whatever may take it. */
    void probe(Apqn apqn) throws SysfsException;

    /**
     * Override mode, take from host: {@code driver_override=vfio_ap}, then unbind from its current
     * driver (if any and not vfio_ap), then {@code drivers_probe}. The override is written first so that
     * no probe in between can give the queue back to cex4queue. Returns the queue re-read.
     */
    ApQueue moveToVfio(Apqn apqn) throws SysfsException;

    /**
     * Override mode, give back to host: clear the override, unbind from vfio_ap (if bound there),
     * {@code drivers_probe}. The caller must have unassigned the APQN from every mdev first. Returns
     * the queue re-read.
     */
    ApQueue returnToHost(Apqn apqn) throws SysfsException;

    // ---- bind / unbind ------------------------------------------------------------------------

    /** Writes the queue name to {@code /sys/bus/ap/drivers/<driver>/bind}. */
    void bind(Apqn apqn, ApDriver driver) throws SysfsException;

    /** Writes the queue name to {@code /sys/bus/ap/drivers/<driver>/unbind}. */
    void unbind(Apqn apqn, ApDriver driver) throws SysfsException;

    /** The driver the queue is bound to now (its {@code driver} link). */
    ApDriver driverOf(Apqn apqn) throws SysfsException;

    // ---- bus scan -------------------------------------------------------------------------------

    /** Writes {@code scans} (a synchronous rescan) and returns the counter re-read. */
    long triggerScan() throws SysfsException;

    /**
     * Polls {@code bindings} until it says {@code (complete)}; throws {@link SysfsTimeoutException}
     * (ETIMEDOUT) with the last text if that does not happen within {@code timeout}.
     */
    ApBindings awaitBindingsComplete(Duration timeout) throws SysfsException;

    // ---- mediated devices -----------------------------------------------------------------------

    /** Writes the UUID to the vfio_ap-passthrough {@code create} file; returns the new mdev read back. */
    ApMdev createMdev(UUID uuid) throws SysfsException;

    /** Writes {@code 1} to the mdev's {@code remove} (may block while a guest holds it; the Sysfs bounds the call). */
    void removeMdev(UUID uuid) throws SysfsException;

    /** Reads one mdev (matrix, control domains, guest_matrix where present); empty if it does not exist. */
    Optional<ApMdev> mdev(UUID uuid) throws SysfsException;

    void assignAdapter(UUID mdev, int adapter) throws SysfsException;

    void unassignAdapter(UUID mdev, int adapter) throws SysfsException;

    void assignDomain(UUID mdev, int domain) throws SysfsException;

    void unassignDomain(UUID mdev, int domain) throws SysfsException;

    void assignControlDomain(UUID mdev, int domain) throws SysfsException;

    void unassignControlDomain(UUID mdev, int domain) throws SysfsException;

    /** Reads {@code ap_config} (6.10+; ENOENT before). */
    Matrix readApConfig(UUID mdev) throws SysfsException;

    /** Replaces the whole matrix atomically with one {@code ap_config} write; returns it re-read. */
    Matrix writeApConfig(UUID mdev, Matrix matrix) throws SysfsException;

    /**
     * The IOMMU group of an mdev, from its {@code iommu_group} link
     * ({@code /sys/devices/vfio_ap/matrix/<uuid>/iommu_group -> ../../../../kernel/iommu_groups/<N>}):
     * the {@code /dev/vfio/<N>} a guest opens. Empty when the mdev does not exist.
     */
    java.util.OptionalInt mdevIommuGroup(java.util.UUID mdev) throws SysfsException;
}
