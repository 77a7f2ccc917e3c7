"""The scenario schema (pydantic v2, ``schema_version: 1``): what a scenario file may say.

For the engine (what to read)
-----------------------------
A :class:`Scenario` is fully resolved and validated: catalog cards are already merged in,
cross-references checked, every field holds a plain value in the unit its name carries.
All distances/altitudes are metres (``_m``), times seconds (``_s``), speeds m/s (``_mps``),
RCS m² (``_m2``), costs US dollars (``_usd``), SNR dB (``_db``). Angles are the only
non-SI fields and say so (``lat_deg``, ``lon_deg``, ``min_elevation_deg``,
``flight_path_angle_deg``; ``*_rad`` properties give radians). Positions are WGS84
(:class:`GeoPoint`); :meth:`Scenario.enu` turns them into local East-North-Up metres at
``Scenario.origin`` (``shieldlab.core.geodesy``).

Read, in list order (list order is the index order for arrays):

- ``assets[i]``: ``name``, ``position``, ``value`` (relative value, > 0).
- ``threat_types[k]``: ``threat_class`` (ballistic|cruise|aircraft|decoy), ``trajectory``
  (always set: ``ballistic`` = Keplerian arc, ``level`` = great circle at
  ``cruise_altitude_m`` and ``speed_mps``, ``glide`` = boost, equilibrium glide and dive
  with the ``glide`` parameters), ``flight_path_angle_deg`` (ballistic only;
  ``None`` = minimum-energy arc), ``ballistic_coeff_kg_m2`` (ballistic only; ``None`` = no
  drag), ``rcs_m2``, ``lethal``, ``unit_cost_usd``.
- ``interceptor_types[j]``: ``layer``, ``min_range_m``/``max_range_m``,
  ``min_altitude_m``/``max_altitude_m`` (:meth:`InterceptorType.envelope_for` per threat
  class, with ``envelopes``), ``max_target_speed_mps``, ``avg_speed_mps``, ``sspk.<threat_class>``
  (:meth:`InterceptorType.sspk_for`), ``reliability``, ``unit_cost_usd``;
  ``lethal_radius_m``/``guidance_miss_sigma_m`` (``None`` = off; measured fidelity only).
- ``batteries[b]``: ``position``; ``command_post.max_targets_engaged`` /
  ``max_interceptors_guided`` (per battery; ``channels_level`` says at which level the
  source quotes them, reported only); ``radars[r]`` (``role``, reference-range detection
  ``snr_ref_db`` at ``ref_range_m`` on ``ref_rcs_m2`` -- SNR = snr_ref_db + 10 log10(
  (rcs/ref_rcs)(ref_range/R)^4) --, ``pfa``, ``swerling``, ``instrumented_range_m``,
  ``min_elevation_deg``, ``antenna_height_m``, ``scan_period_s``, ``track_capacity``,
  ``position`` (``None`` = at the battery); measured fidelity only: ``sigma_range_m``,
  ``sigma_azimuth_deg``, ``sigma_elevation_deg`` (per-plot Gaussian errors) and
  ``clutter_per_scan`` (mean false plots per scan), ``None`` = the engine's defaults);
  ``launchers[l]`` (``count`` launchers, each
  with ``loadout`` [``interceptor`` type name, ``rounds``], ``reload_time_s`` and
  ``reloads`` full reloads per launcher).
- ``raid.waves[w]``: ``threat`` (type name), ``count``, ``launch_area`` (centre
  ``lat_deg``/``lon_deg``, ``radius_m``), :meth:`Wave.launch_times_s`, ``aimpoints``
  (asset names; threat ``i`` of the wave aims at ``aimpoints[i % len(aimpoints)]``),
  optional ``waypoints`` (cruise missiles and aircraft: great-circle legs from the launch
  point through each waypoint in order to the aimpoint); ballistic waves: optional
  ``flight_path_angle_deg`` or ``apogee_m`` for every arc of the wave (lofted or
  depressed; ``None`` = the threat type's angle, else minimum energy); optional
  ``terrain_masking`` (``engine.terrain``) and, for level waves, ``avoid_batteries``
  (a route planned around the batteries, ``engine.routing``; not with ``waypoints``).
- ``doctrine``: ``salvo_size``, ``shoot_look_shoot``, ``max_engagements_per_threat``,
  ``engagement_priority``, ``c2_mode``, ``decision_cycle_s``, ``assigner``,
  ``track_initiation.m``/``.n`` (M-of-N), ``track_position_noise_m``,
  ``track_velocity_noise_mps``.
- ``fidelity``: ``ideal`` | ``measured``.
- ``jammers[j]`` (default none): ``kind`` (``stand_off`` at ``position`` from ``start_s``
  to ``end_s``, or ``self_screening`` on every threat of type ``carried_by``), ``erp_w``,
  ``bandwidth_hz``, ``center_freq_hz`` (``None`` = every band; :meth:`Jammer.covers`),
  ``loss_db``. With jammers every radar has a ``receiver`` (``freq_hz``, ``gain_db``,
  ``sidelobe_db``, ``beamwidth_deg``, ``noise_temp_k``).

Index helpers: :meth:`Scenario.asset_index`, :meth:`Scenario.threat_type_index`,
:meth:`Scenario.interceptor_type_index`. Models are frozen; make variants with
:meth:`Scenario.replace` (re-validates).

Guarantees the engine may rely on: every float is finite; names are unique per list and
every reference resolves; each battery has an engagement radar; min <= max for range,
altitude and M-of-N; every launch point is more than ``MIN_LAUNCH_DISTANCE_M`` from its
aimpoint; at most ``MAX_THREATS`` threats, launched within ``MAX_LAUNCH_TIME_S``;
``scan_period_s`` >= 0.01 s and ``decision_cycle_s`` >= 0.05 s.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from shieldlab.core.geodesy import MEAN_EARTH_RADIUS_M, great_circle_distance_m
from shieldlab.core.glide import glide_final_speed_mps
from shieldlab.scenario.yamlio import PathValueError

SCHEMA_VERSION = 1

#: Least distance (m) between any launch point and its aimpoint.
MIN_LAUNCH_DISTANCE_M = 1000.0
MAX_WAYPOINTS = 100  # turning points per wave route
# Longest launch-to-aimpoint range of a ballistic wave: 95 % of half the Earth's
# circumference. Near the antipode the great-circle plane of the arc is undefined (and the
# minimum-energy arc of core.ballistic needs a range below half the circumference).
MAX_BALLISTIC_RANGE_M = 0.95 * math.pi * MEAN_EARTH_RADIUS_M

ThreatClass = Literal["ballistic", "cruise", "aircraft", "decoy"]
THREAT_CLASSES: tuple[ThreatClass, ...] = ("ballistic", "cruise", "aircraft", "decoy")

Name = Annotated[
    str,
    Field(
        min_length=1,
        max_length=80,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$",
        description="identifier: letters, digits, '_', '.', '-'",
    ),
]
Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
PositiveFloat = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
NonNegFloat = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
PositiveInt = Annotated[int, Field(ge=1)]
NonNegInt = Annotated[int, Field(ge=0)]

# Upper limits keep a typo (count: 1e9) from turning into an hour-long run or an
# out-of-memory crash; they are far above anything a study of this kind needs.
MAX_THREATS = 100_000
MAX_LAUNCH_TIME_S = 86_400.0
# Longest flight of a cruise missile or aircraft (trajectories are sampled every second).
MAX_FLIGHT_TIME_S = 86_400.0
Count = Annotated[int, Field(ge=1, le=1_000_000)]
# Radar plot errors and false plots (measured fidelity), also the caps of sensor files
# (``shieldlab.sensors.config``) and of ``shieldlab track``'s options. The caps keep typos
# (1e300) and physically meaningless values out of the trackers, where they broke the
# linear algebra or ran for hours; they sit well above any radar:
#: Range error std (m): at most about the range resolution c / (2 B) (Richards,
#: *Fundamentals of Radar Signal Processing*, 2nd ed., sec. 1.4.2); 10 km of resolution is a
#: 15 kHz bandwidth, narrower than any search or tracking radar.
MAX_SIGMA_RANGE_M = 10_000.0
#: Angle error std (deg): about beamwidth / (1.6 sqrt(2 SNR)) (Richards, sec. 7.2); 10° is
#: a beam several tens of degrees wide at threshold SNR, and an EKF linearised in angle
#: stops being meaningful well before.
MAX_SIGMA_ANGLE_DEG = 10.0
#: Mean false plots per scan = Pfa x resolution cells searched; Pfa 1e-4 over 1e7 cells
#: (a loose threshold on a large search volume) is 1,000. Each false plot is drawn and
#: gated in Python, so 1e9 would exhaust memory.
MAX_CLUTTER_PER_SCAN = 1_000.0
#: Per-axis error std (m) of Cartesian plots (sensor files, ``track``): as range errors.
MAX_SIGMA_POSITION_M = MAX_SIGMA_RANGE_M
#: Radial-velocity error std (m/s): 1 km/s says nothing about a 3 km/s target.
MAX_SIGMA_RADIAL_VELOCITY_MPS = 1_000.0
RangeSigma = Annotated[float, Field(gt=0.0, le=MAX_SIGMA_RANGE_M, allow_inf_nan=False)]
AngleSigma = Annotated[float, Field(gt=0.0, le=MAX_SIGMA_ANGLE_DEG, allow_inf_nan=False)]
ClutterRate = Annotated[float, Field(ge=0.0, le=MAX_CLUTTER_PER_SCAN, allow_inf_nan=False)]
LaunchTime = Annotated[float, Field(ge=0.0, le=MAX_LAUNCH_TIME_S, allow_inf_nan=False)]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False
    )


def _unique(items: list[Any], what: str, list_field: str) -> None:
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        if item.name in seen:
            raise PathValueError(
                f"duplicate {what} name '{item.name}' (also {list_field}.{seen[item.name]})",
                path=(list_field, i, "name"),
            )
        seen[item.name] = i


class GeoPoint(_Model):
    """A WGS84 position: latitude, longitude (degrees), altitude above the ellipsoid (m)."""

    lat_deg: Annotated[float, Field(ge=-90.0, le=90.0)]
    lon_deg: Annotated[float, Field(ge=-180.0, le=180.0)]
    alt_m: Annotated[float, Field(ge=-500.0, le=100_000.0)] = 0.0


class Asset(_Model):
    """A defended Blue asset: where it is and how much it matters (relative value > 0)."""

    name: Name
    position: GeoPoint
    value: PositiveFloat = Field(description="relative value used by threat evaluation")


class RadarReceiver(_Model):
    """What a noise jammer's power is compared with: the radar's band, antenna and noise.

    A jammer at range Rj seen through antenna gain G(theta) adds the noise density
    J0 = ERP G(theta) lambda^2 / ((4 pi)^2 Rj^2 Lj Bj) to k Ts, lambda = c / ``freq_hz``
    (``core.jamming``; Richards 2014, ch. 2). G(theta) is ``gain_db`` within half the
    ``beamwidth_deg`` of the target's direction (main lobe), else ``gain_db +
    sidelobe_db`` (a constant average sidelobe level).
    """

    freq_hz: Annotated[float, Field(ge=1.0e8, le=1.0e11, allow_inf_nan=False)]
    gain_db: Annotated[float, Field(ge=0.0, le=60.0, allow_inf_nan=False)]
    sidelobe_db: Annotated[float, Field(ge=-80.0, le=0.0, allow_inf_nan=False)]
    beamwidth_deg: Annotated[float, Field(gt=0.0, le=90.0, allow_inf_nan=False)]
    noise_temp_k: Annotated[float, Field(gt=0.0, le=1.0e5, allow_inf_nan=False)] = 290.0


class Radar(_Model):
    """A radar described by its reference-range detection performance.

    SNR(R, rcs) = snr_ref_db + 10 log10(rcs / ref_rcs_m2) + 40 log10(ref_range_m / R)
    (radar range equation in ratio form; e.g. Richards, *Fundamentals of Radar Signal
    Processing*, 2nd ed., eq. 2.17), detection per scan with ``pfa`` and a Swerling 0 or 1
    target, inside ``instrumented_range_m``, above ``min_elevation_deg`` and the 4/3-Earth
    horizon of ``antenna_height_m``.

    In the ``measured`` fidelity each plot reports range, azimuth and elevation with
    independent Gaussian errors of std ``sigma_range_m``, ``sigma_azimuth_deg``,
    ``sigma_elevation_deg``, and a Poisson number of false plots with mean
    ``clutter_per_scan`` (= Pfa × resolution cells searched) spread over the coverage;
    ``None`` takes the defaults of :class:`shieldlab.engine.measured.MeasuredSettings`.
    """

    name: Name
    role: Literal["acquisition", "engagement"]
    snr_ref_db: FiniteFloat
    ref_range_m: PositiveFloat
    ref_rcs_m2: PositiveFloat
    pfa: Annotated[float, Field(gt=0.0, lt=1.0)]
    swerling: Literal[0, 1] = 1
    instrumented_range_m: PositiveFloat
    min_elevation_deg: Annotated[float, Field(ge=-10.0, lt=90.0)] = 0.0
    antenna_height_m: NonNegFloat = 10.0
    scan_period_s: Annotated[float, Field(ge=0.01, le=3600.0)]
    track_capacity: Count
    position: GeoPoint | None = Field(
        default=None, description="radar position; omitted = at the battery"
    )
    sigma_range_m: RangeSigma | None = Field(
        default=None,
        description="std of a plot's range error (measured fidelity); null = engine default",
    )
    sigma_azimuth_deg: AngleSigma | None = Field(
        default=None,
        description="std of a plot's azimuth error (measured fidelity); null = engine default",
    )
    sigma_elevation_deg: AngleSigma | None = Field(
        default=None,
        description="std of a plot's elevation error (measured fidelity); null = engine default",
    )
    clutter_per_scan: ClutterRate | None = Field(
        default=None,
        description="mean false plots per scan, Pfa x resolution cells searched (measured "
        "fidelity); null = engine default",
    )

    receiver: RadarReceiver | None = Field(
        default=None,
        description="absolute receiver terms for jamming (J/S); needed when the scenario "
        "has jammers, unused otherwise",
    )

    @property
    def min_elevation_rad(self) -> float:
        return math.radians(self.min_elevation_deg)


class CommandPost(_Model):
    """Fire-control channels: targets engaged at once and interceptors guided at once.

    The engine applies both limits to the battery. ``channels_level`` states the level
    the figures' source gives them at: ``battery``, or ``system`` (a whole system's
    figure applied to one battery, so an upper bound for it); it is reported, not used.
    """

    max_targets_engaged: Count
    max_interceptors_guided: Count
    channels_level: Literal["battery", "system"] = Field(
        default="battery",
        description="level the channel figures are quoted at by their source (reported)",
    )


class LoadoutItem(_Model):
    """Rounds of one interceptor type carried by one launcher."""

    interceptor: Name
    rounds: Annotated[int, Field(ge=1, le=1000)]


class Launcher(_Model):
    """``count`` identical launchers, each loaded with ``loadout``; reloadable ``reloads`` times."""

    name: Name
    count: Annotated[int, Field(ge=1, le=1000)] = 1
    loadout: Annotated[list[LoadoutItem], Field(min_length=1)]
    reload_time_s: NonNegFloat
    reloads: Annotated[int, Field(ge=0, le=100)] = Field(
        default=0, description="full reloads available per launcher"
    )

    @model_validator(mode="after")
    def _distinct_types(self) -> Launcher:
        seen: set[str] = set()
        for i, item in enumerate(self.loadout):
            if item.interceptor in seen:
                raise PathValueError(
                    f"interceptor type '{item.interceptor}' is listed twice in the loadout",
                    path=("loadout", i, "interceptor"),
                )
            seen.add(item.interceptor)
        return self


class Battery(_Model):
    """A Blue battery: command post, radars, launchers at one position."""

    name: Name
    position: GeoPoint
    command_post: CommandPost
    radars: Annotated[list[Radar], Field(min_length=1)]
    launchers: Annotated[list[Launcher], Field(min_length=1)]

    @model_validator(mode="after")
    def _check(self) -> Battery:
        _unique(self.radars, "radar", "radars")
        _unique(self.launchers, "launcher", "launchers")
        if not any(r.role == "engagement" for r in self.radars):
            raise PathValueError(
                "a battery needs at least one radar with role 'engagement' to guide interceptors",
                path=("radars",),
            )
        return self


class SSPK(_Model):
    """Single-shot kill probability of one interceptor against each threat class."""

    ballistic: Probability
    cruise: Probability
    aircraft: Probability
    decoy: Probability


class ClassEnvelope(_Model):
    """An interceptor's envelope against one threat class; a field left out (None) is the
    interceptor's general value (``max_range_m``, ``min_altitude_m``, ``max_altitude_m``)."""

    max_range_m: PositiveFloat | None = None
    min_altitude_m: NonNegFloat | None = None
    max_altitude_m: PositiveFloat | None = None


class ClassEnvelopes(_Model):
    """Per-threat-class envelopes; a class left out uses the general envelope."""

    ballistic: ClassEnvelope | None = None
    cruise: ClassEnvelope | None = None
    aircraft: ClassEnvelope | None = None
    decoy: ClassEnvelope | None = None


class InterceptorType(_Model):
    """An interceptor: kinematic envelope, average fly-out speed, lethality, cost.

    The envelope is ``min_range_m`` (on *slant* range from the battery) and ``max_range_m``
    (ground range), ``min_altitude_m`` / ``max_altitude_m``; ``envelopes.<threat_class>``
    may narrow or widen the range and altitude limits for one class
    (:meth:`envelope_for`), and ``max_target_speed_mps`` (None = no limit) bars intercept
    points where the threat is faster. A card without them uses one envelope for every
    class, as before.

    ``lethal_radius_m`` and ``guidance_miss_sigma_m`` (both or neither; default neither)
    make the kill probability fall with the fire-control track's position error in the
    ``measured`` fidelity: SSPK · H(√(σ_g² + σ_t²)) / H(σ_g), H(σ) = 1 − exp(−R_L²/(2σ²))
    (lethal-radius damage function, circular normal miss;
    :func:`shieldlab.core.engagement.sspk_with_track_error`). Unset: SSPK whatever the track.
    """

    name: Name
    layer: Name = Field(description="layer label for outcomes, e.g. long, medium, short")
    min_range_m: NonNegFloat
    max_range_m: PositiveFloat
    min_altitude_m: NonNegFloat
    max_altitude_m: PositiveFloat
    avg_speed_mps: PositiveFloat = Field(description="average speed over the fly-out")
    envelopes: ClassEnvelopes | None = Field(
        default=None,
        description="per-threat-class max range / min and max altitude; null = the general "
        "envelope for every class",
    )
    max_target_speed_mps: PositiveFloat | None = Field(
        default=None, description="fastest threat the round can engage; null = no limit"
    )
    sspk: SSPK
    reliability: Probability = Field(description="probability the round launches and works")
    unit_cost_usd: NonNegFloat
    lethal_radius_m: PositiveFloat | None = Field(
        default=None,
        description="miss distance within which a round kills (measured fidelity: SSPK "
        "falls with track error); null = off",
    )
    guidance_miss_sigma_m: PositiveFloat | None = Field(
        default=None,
        description="per-axis miss of the round's own guidance with a perfect track, the "
        "miss behind the nominal SSPK; set together with lethal_radius_m",
    )

    @property
    def aims_with_track_error(self) -> bool:
        """Whether the kill probability depends on the track's error (measured fidelity)."""
        return self.lethal_radius_m is not None

    @model_validator(mode="after")
    def _aim_error_pair(self) -> InterceptorType:
        if (self.lethal_radius_m is None) != (self.guidance_miss_sigma_m is None):
            missing = (
                "guidance_miss_sigma_m" if self.lethal_radius_m is not None else ("lethal_radius_m")
            )
            raise PathValueError(
                "lethal_radius_m and guidance_miss_sigma_m go together (both set: the kill "
                f"probability falls with track error; both null: off); {missing} is missing",
                path=(missing,),
            )
        return self

    @model_validator(mode="after")
    def _envelope(self) -> InterceptorType:
        if self.min_range_m > self.max_range_m:
            raise PathValueError(
                f"min_range_m ({self.min_range_m:g}) is above max_range_m ({self.max_range_m:g})",
                path=("min_range_m",),
            )
        if self.min_altitude_m > self.max_altitude_m:
            raise PathValueError(
                f"min_altitude_m ({self.min_altitude_m:g}) is above "
                f"max_altitude_m ({self.max_altitude_m:g})",
                path=("min_altitude_m",),
            )
        for cls in THREAT_CLASSES:
            _, max_r, min_a, max_a = self.envelope_for(cls)
            where = ("envelopes", cls)
            if self.min_range_m > max_r:
                raise PathValueError(
                    f"envelopes.{cls}.max_range_m ({max_r:g}) is below min_range_m "
                    f"({self.min_range_m:g})",
                    path=(*where, "max_range_m"),
                )
            if min_a > max_a:
                raise PathValueError(
                    f"envelopes.{cls}: min_altitude_m ({min_a:g}) is above max_altitude_m "
                    f"({max_a:g})",
                    path=(*where, "min_altitude_m"),
                )
        return self

    def envelope_for(self, threat_class: ThreatClass) -> tuple[float, float, float, float]:
        """(min slant range, max ground range, min altitude, max altitude) against a class."""
        env = None if self.envelopes is None else getattr(self.envelopes, threat_class)
        max_r = self.max_range_m if env is None or env.max_range_m is None else env.max_range_m
        min_a = (
            self.min_altitude_m if env is None or env.min_altitude_m is None else env.min_altitude_m
        )
        max_a = (
            self.max_altitude_m if env is None or env.max_altitude_m is None else env.max_altitude_m
        )
        return float(self.min_range_m), float(max_r), float(min_a), float(max_a)

    def sspk_for(self, threat_class: ThreatClass) -> float:
        """SSPK of this interceptor against a threat class."""
        return float(getattr(self.sspk, threat_class))


#: A glide that would end below this speed (m/s) is refused: below about Mach 3 the
#: vehicle is no longer hypersonic and the equilibrium-glide model stops applying.
MIN_GLIDE_END_SPEED_MPS = 1_000.0


class GlideParams(_Model):
    """A hypersonic boost-glide vehicle (``trajectory: glide``; ``core.kinematics.glide_track``).

    Boost over ``boost_range_m`` in ``boost_time_s`` up to the equilibrium-glide altitude
    of ``initial_speed_mps``, equilibrium glide (lift + centrifugal relief = weight) with
    constant ``lift_to_drag`` and ``lift_coeff`` at ``wing_loading_kg_m2`` (m / S), then a
    straight dive over ``dive_range_m`` (``core.glide``; Vinh, Busemann & Culp 1980).
    """

    initial_speed_mps: Annotated[float, Field(ge=1_500.0, le=7_800.0, allow_inf_nan=False)]
    lift_to_drag: Annotated[float, Field(gt=0.0, le=10.0, allow_inf_nan=False)]
    wing_loading_kg_m2: Annotated[float, Field(ge=10.0, le=1.0e5, allow_inf_nan=False)]
    lift_coeff: Annotated[float, Field(gt=0.0, le=3.0, allow_inf_nan=False)]
    boost_range_m: Annotated[float, Field(ge=0.0, le=5.0e6, allow_inf_nan=False)]
    boost_time_s: Annotated[float, Field(gt=0.0, le=3_600.0, allow_inf_nan=False)]
    dive_range_m: Annotated[float, Field(gt=0.0, le=1.0e6, allow_inf_nan=False)]


class ThreatType(_Model):
    """A Red threat: class, trajectory, signature, cost, lethal or not.

    ``trajectory`` defaults from the class (ballistic and decoy -> ``ballistic``, cruise and
    aircraft -> ``level``); ``lethal`` defaults to ``False`` for decoys, ``True`` otherwise.
    A ``level`` flight needs ``speed_mps`` and ``cruise_altitude_m``; a ``ballistic`` arc
    takes its speed from the arc (optional ``flight_path_angle_deg``; omitted = minimum
    energy) and must not give them.
    """

    name: Name
    threat_class: ThreatClass
    # The defaults below are placeholders: a missing trajectory or lethal flag is filled
    # from threat_class before validation (see _defaults_from_class).
    trajectory: Literal["ballistic", "level", "glide"] = Field(
        default="ballistic",
        description="default from threat_class: ballistic for ballistic and decoy, else "
        "level; glide (a boost-glide vehicle) must be given",
    )
    rcs_m2: PositiveFloat
    lethal: bool = Field(default=True, description="default from threat_class: false for decoy")
    unit_cost_usd: NonNegFloat
    speed_mps: PositiveFloat | None = None
    cruise_altitude_m: NonNegFloat | None = None
    flight_path_angle_deg: Annotated[float, Field(gt=0.0, lt=90.0)] | None = None
    max_range_m: PositiveFloat | None = Field(
        default=None,
        description="greatest ground distance from launch to aimpoint (through waypoints); "
        "'shieldlab validate' warns about aimpoints beyond it, the engine does not use it",
    )
    ballistic_coeff_kg_m2: Annotated[float, Field(ge=100.0, le=1.0e6)] | None = Field(
        default=None,
        description="m / (C_D A) of the re-entering body (ballistic only): drag in an "
        "exponential atmosphere; null = no drag (Keplerian to the ground)",
    )

    glide: GlideParams | None = Field(
        default=None, description="boost-glide parameters (trajectory: glide only)"
    )

    @model_validator(mode="before")
    @classmethod
    def _defaults_from_class(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("threat_class") in THREAT_CLASSES:
            data = dict(data)
            tc = data["threat_class"]
            data.setdefault("trajectory", "ballistic" if tc in ("ballistic", "decoy") else "level")
            data.setdefault("lethal", tc != "decoy")
        return data

    @model_validator(mode="after")
    def _trajectory_fields(self) -> ThreatType:
        if self.trajectory == "glide":
            if self.glide is None:
                raise PathValueError("a glide trajectory needs glide parameters", path=("glide",))
            for f in (
                "speed_mps",
                "cruise_altitude_m",
                "flight_path_angle_deg",
                "ballistic_coeff_kg_m2",
            ):
                if getattr(self, f) is not None:
                    raise PathValueError(
                        f"{f} does not apply to a glide trajectory (the glide parameters "
                        "set its speed and altitude)",
                        path=(f,),
                    )
            return self
        if self.glide is not None:
            raise PathValueError("glide applies to glide trajectories only", path=("glide",))
        if self.trajectory == "level":
            for f in ("speed_mps", "cruise_altitude_m"):
                if getattr(self, f) is None:
                    raise PathValueError(
                        f"{f} is required for a level (cruise/aircraft) trajectory", path=(f,)
                    )
            for f in ("flight_path_angle_deg", "ballistic_coeff_kg_m2"):
                if getattr(self, f) is not None:
                    raise PathValueError(f"{f} applies to ballistic trajectories only", path=(f,))
        else:
            for f in ("speed_mps", "cruise_altitude_m"):
                if getattr(self, f) is not None:
                    raise PathValueError(
                        f"{f} does not apply to a ballistic trajectory (its speed and "
                        "altitude follow from the arc); remove it",
                        path=(f,),
                    )
        return self

    @property
    def flight_path_angle_rad(self) -> float | None:
        d = self.flight_path_angle_deg
        return None if d is None else math.radians(d)


class Jammer(_Model):
    """A Red barrage noise jammer: stand-off (a fixed point) or self-screening (carried).

    ``stand_off``: radiates from ``position`` (its altitude is the platform's) from
    ``start_s`` to ``end_s`` (``None``: to the end). ``self_screening``: every threat of
    type ``carried_by`` carries one while it flies; each radar meets it in the main lobe
    when looking at its carrier, and in the sidelobes (or main lobe, within half a
    beamwidth) when looking at another target. ``erp_w`` is the effective radiated power
    Pj Gj towards the radar, spread evenly over ``bandwidth_hz`` centred on
    ``center_freq_hz`` (``None``: covers every radar's band); a radar whose frequency lies
    outside the band is not jammed. ``loss_db`` is the jammer's own loss Lj.
    """

    name: Name
    kind: Literal["stand_off", "self_screening"]
    erp_w: Annotated[float, Field(gt=0.0, le=1.0e9, allow_inf_nan=False)]
    bandwidth_hz: Annotated[float, Field(gt=0.0, le=1.0e11, allow_inf_nan=False)]
    center_freq_hz: Annotated[float, Field(gt=0.0, le=1.0e11, allow_inf_nan=False)] | None = None
    loss_db: NonNegFloat = 0.0
    position: GeoPoint | None = Field(
        default=None, description="stand_off only: the jammer's position (altitude = platform's)"
    )
    carried_by: Name | None = Field(
        default=None, description="self_screening only: the threat type that carries it"
    )
    start_s: LaunchTime = 0.0
    end_s: LaunchTime | None = None

    @model_validator(mode="after")
    def _placement(self) -> Jammer:
        if self.kind == "stand_off":
            if self.position is None:
                raise PathValueError("a stand_off jammer needs a position", path=("position",))
            if self.carried_by is not None:
                raise PathValueError(
                    "carried_by applies to self_screening jammers only", path=("carried_by",)
                )
            if self.end_s is not None and self.end_s < self.start_s:
                raise PathValueError(
                    f"end_s ({self.end_s:g}) is before start_s ({self.start_s:g})",
                    path=("end_s",),
                )
        else:
            if self.carried_by is None:
                raise PathValueError(
                    "a self_screening jammer needs carried_by (a threat type name)",
                    path=("carried_by",),
                )
            for f in ("position", "end_s"):
                if getattr(self, f) is not None:
                    raise PathValueError(
                        f"{f} applies to stand_off jammers only (a self-screening jammer "
                        "flies with its carrier)",
                        path=(f,),
                    )
            if self.start_s != 0.0:
                raise PathValueError("start_s applies to stand_off jammers only", path=("start_s",))
        return self

    def covers(self, freq_hz: float) -> bool:
        """The radar frequency lies inside the jammer's band."""
        if self.center_freq_hz is None:
            return True
        return abs(freq_hz - self.center_freq_hz) <= self.bandwidth_hz / 2.0


class LaunchArea(_Model):
    """A disc on the ground from which a wave launches: centre and radius."""

    lat_deg: Annotated[float, Field(ge=-90.0, le=90.0)]
    lon_deg: Annotated[float, Field(ge=-180.0, le=180.0)]
    radius_m: NonNegFloat = 0.0


class Waypoint(_Model):
    """A turning point of a cruise missile or aircraft route (at the type's altitude)."""

    lat_deg: Annotated[float, Field(ge=-90.0, le=90.0)]
    lon_deg: Annotated[float, Field(ge=-180.0, le=180.0)]


class TerrainMasking(_Model):
    """Notional terrain along a wave's approach that hides low fliers from every radar.

    The ground under the approach is cut into rings of ``cell_length_m`` by distance to
    the aimpoint; in a fraction ``fraction`` of each ring (its near part) the terrain
    blocks the line of sight to a threat flying below ``below_altitude_m``. Masked
    stretches are contiguous, so M-of-N track formation sees them as gaps, not as a
    uniform loss of Pd.
    """

    fraction: Probability
    cell_length_m: Annotated[float, Field(ge=100.0, le=1.0e6, allow_inf_nan=False)] = 5_000.0
    below_altitude_m: Annotated[float, Field(gt=0.0, le=10_000.0, allow_inf_nan=False)] = 300.0


class AvoidBatteries(_Model):
    """Plan a level wave's route around the Blue batteries' positions (known to Red).

    Each threat flies the shortest route (on a polygon of ``points_per_circle`` points
    around each circle) that keeps ``clearance_m`` from every battery, except batteries
    within ``clearance_m`` of its launch point or aimpoint (it must start or end there).
    """

    clearance_m: Annotated[float, Field(ge=1_000.0, le=1.0e6, allow_inf_nan=False)]
    points_per_circle: Annotated[int, Field(ge=8, le=128)] = 32


class Wave(_Model):
    """``count`` threats of one type, launched from an area at given times at named assets.

    Launch times: ``times_s`` (one per threat), or ``start_s + i * interval_s``.
    Threat ``i`` aims at ``aimpoints[i % len(aimpoints)]``. Cruise missiles and aircraft
    fly great-circle legs from their launch point through ``waypoints`` (in order, shared
    by the wave) to their aimpoint; without waypoints, straight to the aimpoint.
    """

    name: Name | None = None
    threat: Name
    count: Annotated[int, Field(ge=1, le=MAX_THREATS)]
    launch_area: LaunchArea
    start_s: LaunchTime = 0.0
    interval_s: LaunchTime = 0.0
    times_s: list[LaunchTime] | None = None
    aimpoints: Annotated[list[Name], Field(min_length=1)]
    waypoints: Annotated[list[Waypoint], Field(max_length=MAX_WAYPOINTS)] = []
    flight_path_angle_deg: Annotated[float, Field(gt=0.0, lt=90.0)] | None = Field(
        default=None,
        description="ballistic waves: burnout flight-path angle of every arc of the wave "
        "(above the minimum-energy angle: lofted; below: depressed); overrides the threat "
        "type's",
    )
    apogee_m: Annotated[float, Field(ge=10_000.0, le=5_000_000.0)] | None = Field(
        default=None,
        description="ballistic waves: apogee of every arc of the wave (the burnout angle "
        "follows per launch point); overrides the threat type's angle",
    )
    terrain_masking: TerrainMasking | None = Field(
        default=None, description="notional terrain hiding low fliers on this approach"
    )
    avoid_batteries: AvoidBatteries | None = Field(
        default=None,
        description="level waves: route around the batteries' positions (not with waypoints)",
    )
    # Launch points are laid out over the launch area as for this many threats (default:
    # ``count``); set by montecarlo.scale_raid so a resized wave keeps its launch points.
    launch_pattern_count: Annotated[int, Field(ge=1, le=MAX_THREATS)] | None = None

    @property
    def pattern_count(self) -> int:
        """Number of threats the launch-point pattern is laid out for."""
        return self.count if self.launch_pattern_count is None else self.launch_pattern_count

    @model_validator(mode="after")
    def _arc_fields(self) -> Wave:
        if self.flight_path_angle_deg is not None and self.apogee_m is not None:
            raise PathValueError(
                "give either flight_path_angle_deg or apogee_m for the wave's arcs, not both",
                path=("apogee_m",),
            )
        return self

    @property
    def flight_path_angle_rad(self) -> float | None:
        d = self.flight_path_angle_deg
        return None if d is None else math.radians(d)

    @model_validator(mode="after")
    def _times(self) -> Wave:
        if self.times_s is not None:
            if len(self.times_s) != self.count:
                raise PathValueError(
                    f"times_s lists {len(self.times_s)} launch times for count {self.count}",
                    path=("times_s",),
                )
            for f in ("start_s", "interval_s"):
                if getattr(self, f) != 0.0:
                    raise PathValueError(
                        f"give either times_s or start_s/interval_s, not both ({f})", path=(f,)
                    )
        else:
            last = self.start_s + (self.count - 1) * self.interval_s
            if last > MAX_LAUNCH_TIME_S:
                raise PathValueError(
                    f"the last launch would be at {last:g} s, after the limit of "
                    f"{MAX_LAUNCH_TIME_S:g} s (one day)",
                    path=("interval_s",),
                )
        return self

    def launch_times_s(self) -> tuple[float, ...]:
        """Launch time of each threat of the wave (s after scenario start)."""
        if self.times_s is not None:
            return tuple(float(t) for t in self.times_s)
        return tuple(self.start_s + i * self.interval_s for i in range(self.count))


class Raid(_Model):
    """The Red raid: a list of waves."""

    waves: Annotated[list[Wave], Field(min_length=1)]

    @model_validator(mode="after")
    def _total(self) -> Raid:
        if self.total_threats > MAX_THREATS:
            raise PathValueError(
                f"the raid has {self.total_threats} threats; the limit is {MAX_THREATS}",
                path=("waves",),
            )
        return self

    @property
    def total_threats(self) -> int:
        return sum(w.count for w in self.waves)


# The compiled kernel keeps the last n scan results of a radar-threat pair as the bits of
# one 64-bit integer (engine.kernel): n is at most 63.
MAX_TRACK_WINDOW = 63


class TrackInitiation(_Model):
    """M-of-N track initiation: a track forms after ``m`` detections in ``n`` scans."""

    m: Annotated[int, Field(ge=1, le=MAX_TRACK_WINDOW)] = 2
    n: Annotated[int, Field(ge=1, le=MAX_TRACK_WINDOW)] = 3

    @model_validator(mode="after")
    def _m_le_n(self) -> TrackInitiation:
        if self.m > self.n:
            raise PathValueError(f"m ({self.m}) is above n ({self.n})", path=("m",))
        return self


class Doctrine(_Model):
    """How Blue fights: salvos, shoot-look-shoot, priorities, C2 mode, decision cycle.

    ``salvo_size`` interceptors per engagement; with ``shoot_look_shoot`` a threat that
    survives a salvo may be engaged again (up to ``max_engagements_per_threat``
    engagements in all, while time remains); without it, at most
    ``max_engagements_per_threat`` salvos are fired without waiting for assessment.
    ``c2_mode``: ``centralised`` assigns across all batteries; ``autonomous`` lets each
    battery assign its own tracks. ``engagement_priority``: ``layered`` (default) engages
    the most urgent threat first but holds fire with a weapon while a better one (higher
    salvo kill probability) will still reach the threat and would lose an engagement to
    it; ``time_to_impact`` gives the most urgent threat the weapon that intercepts it
    earliest; ``asset_value`` takes the largest expected value destroyed first
    (docs/engine.md, "Doctrine").
    """

    salvo_size: Annotated[int, Field(ge=1, le=16)] = 2
    shoot_look_shoot: bool = True
    max_engagements_per_threat: Annotated[int, Field(ge=1, le=16)] = 2
    engagement_priority: Literal["layered", "time_to_impact", "asset_value"] = "layered"
    c2_mode: Literal["centralised", "autonomous"] = "centralised"
    decision_cycle_s: Annotated[float, Field(ge=0.05, le=3600.0)] = 2.0
    assigner: Name = "greedy"
    track_initiation: TrackInitiation = TrackInitiation()
    track_position_noise_m: NonNegFloat = Field(
        default=50.0, description="std of ideal-track position error per axis"
    )
    track_velocity_noise_mps: NonNegFloat = Field(
        default=5.0, description="std of ideal-track velocity error per axis"
    )


@dataclass(frozen=True, kw_only=True, eq=False)
class Source:
    """The file a scenario was read from and its line map (``yamlio.LineMap``).

    Provenance, not value: two scenarios with equal fields are equal whatever file they came
    from, so every ``Source`` compares equal.
    """

    file: str | None = None
    lines: Any = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Source)

    def __hash__(self) -> int:
        return 0


class Scenario(_Model):
    """A complete, validated scenario (``schema_version: 1``). See the module docstring."""

    schema_version: Literal[1] = Field(description="scenario file format version; must be 1")
    name: Name
    description: str = ""
    origin: GeoPoint = Field(description="origin of the local ENU frame")
    fidelity: Literal["ideal", "measured"] = "ideal"
    assets: Annotated[list[Asset], Field(min_length=1)]
    threat_types: Annotated[list[ThreatType], Field(min_length=1)]
    interceptor_types: Annotated[list[InterceptorType], Field(min_length=1)]
    batteries: Annotated[list[Battery], Field(min_length=1)]
    raid: Raid
    doctrine: Doctrine = Doctrine()
    jammers: list[Jammer] = Field(
        default=[], description="Red noise jammers (stand-off or self-screening); none by default"
    )

    # Cards used to build this scenario (set by the card resolver; not part of the schema).
    _card_uses: tuple[Any, ...] = PrivateAttr(default=())
    # Where it was read from (set by the loader), so checks made later by higher layers (an
    # assigner name only the c2 registry knows) can still name file and line.
    _source: Source = PrivateAttr(default_factory=lambda: Source())

    @field_validator("schema_version", mode="before")
    @classmethod
    def _version(cls, v: Any) -> Any:
        if type(v) is not int or v != SCHEMA_VERSION:
            raise ValueError(
                f"unsupported schema_version {v!r}; this shieldlab reads schema_version "
                f"{SCHEMA_VERSION}"
            )
        return v

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        _unique(self.assets, "asset", "assets")
        _unique(self.threat_types, "threat type", "threat_types")
        _unique(self.interceptor_types, "interceptor type", "interceptor_types")
        _unique(self.batteries, "battery", "batteries")
        assets = {a.name for a in self.assets}
        threats = {t.name for t in self.threat_types}
        interceptors = {t.name for t in self.interceptor_types}
        for w, wave in enumerate(self.raid.waves):
            if wave.threat not in threats:
                raise PathValueError(
                    f"unknown threat type '{wave.threat}'; known: {', '.join(sorted(threats))}",
                    path=("raid", "waves", w, "threat"),
                )
            area = wave.launch_area
            trajectory = self.threat_types[self.threat_type_index(wave.threat)].trajectory
            for f in ("flight_path_angle_deg", "apogee_m"):
                if getattr(wave, f) is not None and trajectory != "ballistic":
                    raise PathValueError(
                        f"{f} applies to ballistic waves; threat type '{wave.threat}' flies "
                        f"a {trajectory} trajectory",
                        path=("raid", "waves", w, f),
                    )
            if wave.avoid_batteries is not None:
                if trajectory != "level":
                    raise PathValueError(
                        f"avoid_batteries applies to level (cruise/aircraft) waves; threat "
                        f"type '{wave.threat}' flies a {trajectory} arc",
                        path=("raid", "waves", w, "avoid_batteries"),
                    )
                if wave.waypoints:
                    raise PathValueError(
                        "give either waypoints or avoid_batteries (a planned route), not both",
                        path=("raid", "waves", w, "avoid_batteries"),
                    )
            if wave.waypoints and trajectory != "level":
                raise PathValueError(
                    f"waypoints apply to cruise missiles and aircraft (level flight); "
                    f"threat type '{wave.threat}' flies a {trajectory} arc",
                    path=("raid", "waves", w, "waypoints"),
                )
            for a, aim in enumerate(wave.aimpoints):
                if aim not in assets:
                    raise PathValueError(
                        f"aimpoint '{aim}' names no asset; assets: {', '.join(sorted(assets))}",
                        path=("raid", "waves", w, "aimpoints", a),
                    )
                pos = self.assets[self.asset_index(aim)].position
                dist = float(
                    great_circle_distance_m(area.lat_deg, area.lon_deg, pos.lat_deg, pos.lon_deg)
                )
                # A threat launched on top of its aimpoint has no flight to simulate.
                if dist <= area.radius_m + MIN_LAUNCH_DISTANCE_M:
                    raise PathValueError(
                        f"launch area (radius {area.radius_m:g} m) comes within "
                        f"{MIN_LAUNCH_DISTANCE_M:g} m of aimpoint '{aim}' "
                        f"({dist:.0f} m from its centre)",
                        path=("raid", "waves", w, "launch_area"),
                    )
                if trajectory == "level":
                    self._check_route(w, wave, aim, pos)
                if trajectory == "ballistic":
                    self._check_arc(w, wave, dist, area.radius_m)
                if trajectory == "glide":
                    self._check_glide(w, wave, aim, dist, area.radius_m)
                too_far = dist + area.radius_m > MAX_BALLISTIC_RANGE_M
                if trajectory in ("ballistic", "glide") and too_far:
                    raise PathValueError(
                        f"ballistic range to aimpoint '{aim}' reaches "
                        f"{(dist + area.radius_m) / 1000:,.0f} km; at most "
                        f"{MAX_BALLISTIC_RANGE_M / 1000:,.0f} km (95 % of half the Earth's "
                        "circumference: near the antipode the arc has no defined plane)",
                        path=("raid", "waves", w, "launch_area"),
                    )
        self._check_jammers(threats)
        for b, bat in enumerate(self.batteries):
            for li, launcher in enumerate(bat.launchers):
                for k, item in enumerate(launcher.loadout):
                    if item.interceptor not in interceptors:
                        raise PathValueError(
                            f"unknown interceptor type '{item.interceptor}'; known: "
                            f"{', '.join(sorted(interceptors))}",
                            path=("batteries", b, "launchers", li, "loadout", k, "interceptor"),
                        )
        return self

    def _check_arc(self, w: int, wave: Wave, dist_m: float, radius_m: float) -> None:
        """A burnout angle (the wave's, else its type's) must not need escape speed on any
        range the launch area gives: nu = sin(psi/2) / (cos g sin(g + psi/2)) < 2 (Bate,
        Mueller & White 1971, sec. 6.2); nu grows with range at a fixed angle."""
        tt = self.threat_types[self.threat_type_index(wave.threat)]
        gamma = wave.flight_path_angle_rad
        field = "flight_path_angle_deg"
        if gamma is None and wave.apogee_m is None:
            gamma = tt.flight_path_angle_rad
        if gamma is None:
            return
        psi = min(dist_m + radius_m, MAX_BALLISTIC_RANGE_M) / MEAN_EARTH_RADIUS_M
        nu = math.sin(psi / 2.0) / (math.cos(gamma) * math.sin(gamma + psi / 2.0))
        if not nu < 2.0:
            where: tuple[str | int, ...] = ("raid", "waves", w, field)
            if wave.flight_path_angle_rad is None:
                where = ("threat_types", self.threat_type_index(wave.threat), field)
            raise PathValueError(
                f"a burnout angle of {math.degrees(gamma):g} deg over "
                f"{(dist_m + radius_m) / 1000:,.0f} km needs escape speed (v^2 R / mu = "
                f"{nu:.2f} >= 2); use a flatter angle",
                path=where,
            )

    def _check_glide(self, w: int, wave: Wave, aim: str, dist_m: float, radius_m: float) -> None:
        """Every launch point must leave a glide that ends above MIN_GLIDE_END_SPEED_MPS."""
        tt = self.threat_types[self.threat_type_index(wave.threat)]
        gp = tt.glide
        assert gp is not None  # ThreatType validates it
        shortest = dist_m - radius_m - gp.boost_range_m - gp.dive_range_m
        if shortest <= 0.0:
            raise PathValueError(
                f"aimpoint '{aim}' is {max(dist_m - radius_m, 0.0) / 1000:,.0f} km from the "
                f"nearest launch point, inside the glide type's boost and dive "
                f"({(gp.boost_range_m + gp.dive_range_m) / 1000:,.0f} km)",
                path=("raid", "waves", w, "launch_area"),
            )
        longest = dist_m + radius_m - gp.boost_range_m - gp.dive_range_m
        v1 = float(
            glide_final_speed_mps(
                initial_speed_mps=gp.initial_speed_mps,
                range_m=longest,
                lift_to_drag=gp.lift_to_drag,
            )
        )
        if not v1 >= MIN_GLIDE_END_SPEED_MPS:
            raise PathValueError(
                f"aimpoint '{aim}' is out of the glide's reach: {longest / 1000:,.0f} km of "
                f"glide from {gp.initial_speed_mps:g} m/s at L/D {gp.lift_to_drag:g} would end "
                f"below {MIN_GLIDE_END_SPEED_MPS:g} m/s",
                path=("raid", "waves", w, "launch_area"),
            )

    def _check_jammers(self, threats: set[str]) -> None:
        """Jammers name known carriers, and every radar then has a receiver to jam."""
        if not self.jammers:
            return
        _unique(self.jammers, "jammer", "jammers")
        for j, jam in enumerate(self.jammers):
            if jam.carried_by is not None and jam.carried_by not in threats:
                raise PathValueError(
                    f"jammer carried_by '{jam.carried_by}' names no threat type; known: "
                    f"{', '.join(sorted(threats))}",
                    path=("jammers", j, "carried_by"),
                )
        for b, bat in enumerate(self.batteries):
            for r, radar in enumerate(bat.radars):
                if radar.receiver is None:
                    raise PathValueError(
                        f"radar '{radar.name}' has no receiver (freq_hz, gain_db, sidelobe_db, "
                        "beamwidth_deg): the scenario has jammers, and their J/S needs it",
                        path=("batteries", b, "radars", r, "receiver"),
                    )

    def _check_route(self, w: int, wave: Wave, aim: str, aim_pos: GeoPoint) -> None:
        """A level route (launch centre, waypoints, aimpoint) must last at most a day."""
        tt = self.threat_types[self.threat_type_index(wave.threat)]
        pts = [(wave.launch_area.lat_deg, wave.launch_area.lon_deg)]
        pts += [(p.lat_deg, p.lon_deg) for p in wave.waypoints]
        pts.append((aim_pos.lat_deg, aim_pos.lon_deg))
        length_m = wave.launch_area.radius_m + sum(
            float(great_circle_distance_m(a[0], a[1], b[0], b[1]))
            for a, b in itertools.pairwise(pts)
        )
        assert tt.speed_mps is not None  # level trajectories require it
        if length_m / tt.speed_mps > MAX_FLIGHT_TIME_S:
            raise PathValueError(
                f"the route to aimpoint '{aim}' ({length_m / 1000:,.0f} km at "
                f"{tt.speed_mps:g} m/s) takes {length_m / tt.speed_mps:,.0f} s, over the "
                f"limit of {MAX_FLIGHT_TIME_S:g} s (one day)",
                path=("raid", "waves", w, "waypoints" if wave.waypoints else "launch_area"),
            )

    # --- helpers for the engine -------------------------------------------------------

    def asset_index(self, name: str) -> int:
        return [a.name for a in self.assets].index(name)

    def threat_type_index(self, name: str) -> int:
        return [t.name for t in self.threat_types].index(name)

    def interceptor_type_index(self, name: str) -> int:
        return [t.name for t in self.interceptor_types].index(name)

    def enu(self, point: GeoPoint) -> tuple[float, float, float]:
        """East, north, up (m) of ``point`` in the local frame at :attr:`origin` (WGS84)."""
        from shieldlab.core.geodesy import geodetic_to_enu

        e, n, u = geodetic_to_enu(
            point.lat_deg,
            point.lon_deg,
            point.alt_m,
            self.origin.lat_deg,
            self.origin.lon_deg,
            self.origin.alt_m,
        )
        return float(e), float(n), float(u)

    @property
    def card_uses(self) -> tuple[Any, ...]:
        """Catalog cards this scenario was built from (see ``shieldlab.scenario.cards``)."""
        return self._card_uses

    def source_of(self, *path: str | int) -> tuple[str | None, int | None]:
        """File and line a field was read from, e.g. ``source_of("doctrine", "assigner")``.

        The line is that of the field or of its nearest written ancestor; ``(None, None)``
        for a scenario built in code.
        """
        src = self._source
        return src.file, None if src.lines is None else src.lines.line_for(path)

    def replace(self, **changes: Any) -> Scenario:
        """A validated copy with top-level fields replaced (e.g. ``raid=...``)."""
        data = self.model_dump()
        for key, value in changes.items():
            data[key] = value.model_dump() if isinstance(value, BaseModel) else value
        new = Scenario.model_validate(data)
        new._card_uses = self._card_uses
        new._source = self._source
        return new
