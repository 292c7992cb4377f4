"""`--seed demo`: Kotawaringin Barat reports of all three kinds, with follow-ups and logs.

Every name, text and number here is invented for the mock; the location ids in particular are
the mock's own, not official region codes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from lapor_mock.state import WIB, Complaint, NationalState

REGENCY_ID = 6201
REGENCY_NAME = "Pemerintah Kabupaten Kotawaringin Barat"

OTHER_INSTITUTIONS: dict[int, str] = {
    62: "Pemerintah Provinsi Kalimantan Tengah",
    6202: "Pemerintah Kabupaten Kotawaringin Timur",
    6208: "Pemerintah Kabupaten Lamandau",
    6209: "Pemerintah Kabupaten Sukamara",
    110: "Kementerian Pekerjaan Umum",
    120: "BPJS Kesehatan",
    130: "PT PLN (Persero)",
    140: "Kementerian Perhubungan",
}

CATEGORIES: dict[int, str] = {
    1: "Infrastruktur dan Pekerjaan Umum",
    2: "Kesehatan",
    3: "Pendidikan dan Kebudayaan",
    4: "Administrasi Kependudukan",
    5: "Perhubungan",
    6: "Lingkungan Hidup dan Kehutanan",
    7: "Sosial dan Kesejahteraan",
    8: "Perizinan dan Penanaman Modal",
    9: "Ketenteraman dan Ketertiban Umum",
    10: "Penanggulangan Bencana",
    11: "Energi dan Ketenagalistrikan",
}

DISTRICTS: dict[str, int] = {
    "Kotawaringin Lama": 620101,
    "Arut Selatan": 620102,
    "Kumai": 620103,
    "Arut Utara": 620104,
    "Pangkalan Banteng": 620105,
    "Pangkalan Lada": 620106,
}

AGENCIES: dict[str, str] = {
    "pupr": "Dinas Pekerjaan Umum dan Penataan Ruang",
    "dinkes": "Dinas Kesehatan",
    "disdik": "Dinas Pendidikan",
    "dukcapil": "Dinas Kependudukan dan Pencatatan Sipil",
    "dishub": "Dinas Perhubungan",
    "dlh": "Dinas Lingkungan Hidup",
    "dinsos": "Dinas Sosial",
    "dpmptsp": "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
    "satpolpp": "Satuan Polisi Pamong Praja",
    "bpbd": "Badan Penanggulangan Bencana Daerah",
    "rsud": "RSUD Sultan Imanuddin Pangkalan Bun",
}

COMPLAINT, ASPIRATION, INFORMATION = 1, 2, 3
_DEMO_STEP = timedelta(hours=7)
_BULK_STEP = timedelta(hours=1)


@dataclass(frozen=True)
class DemoReport:
    """One invented report and the road it has taken so far."""

    kind: int
    district: str
    category: int
    agency: str
    title: str
    content: str
    days_ago: int
    steps: tuple[str, ...] = ()
    """Moves in order: verify, dispose, process, follow_up, close, reopen, archive, reject,
    forward:<institution id>."""
    follow_up: str = ""
    reporter: tuple[str, str, str] | None = None
    anonymous: bool = False
    secret: bool = False


_DONE = ("verify", "dispose", "process", "follow_up", "close")

REPORTS: tuple[DemoReport, ...] = (
    DemoReport(
        COMPLAINT,
        "Arut Selatan",
        1,
        "pupr",
        "Jalan Pangeran Antasari berlubang dan selalu tergenang",
        "Di Jalan Pangeran Antasari dekat bundaran, Pangkalan Bun, ada beberapa lubang besar yang "
        "tergenang setiap habis hujan. Minggu ini dua pengendara motor jatuh di sana. Mohon "
        "segera ditambal sebelum ada korban yang lebih parah.",
        21,
        _DONE,
        "Tim pemeliharaan jalan telah menambal lubang sepanjang kurang lebih 40 meter dan "
        "membersihkan saluran di sisi jalan agar air tidak lagi menggenang.",
        ("Ahmad Fauzan", "ahmad.fauzan@example.com", "081200000101"),
    ),
    DemoReport(
        COMPLAINT,
        "Kumai",
        2,
        "dinkes",
        "Puskesmas Kumai tutup sebelum jam layanan berakhir",
        "Sudah tiga kali saya datang ke Puskesmas Kumai pukul 13.00 dan loket pendaftaran sudah "
        "tutup, padahal papan pengumuman menulis layanan sampai pukul 14.00. Ibu saya yang "
        "lansia terpaksa pulang tanpa diperiksa.",
        12,
        ("verify", "dispose", "process", "follow_up"),
        "Kepala Puskesmas telah diberi teguran. Mulai pekan ini loket pendaftaran dibuka sampai "
        "pukul 14.00 dan ada petugas piket untuk pasien lansia.",
        ("Rina Marlina", "rina.marlina@example.com", "081200000102"),
    ),
    DemoReport(
        ASPIRATION,
        "Pangkalan Lada",
        3,
        "disdik",
        "Usulan penambahan ruang kelas di SD negeri Pandu Sanjaya",
        "Jumlah murid kelas satu tahun ini hampir dua kali lipat, sehingga dua rombongan belajar "
        "harus bergantian memakai satu ruang. Kami orang tua murid mengusulkan penambahan dua "
        "ruang kelas pada anggaran tahun depan.",
        6,
        ("verify", "dispose"),
        reporter=("Yohanes Saputra", "yohanes.s@example.com", "081200000103"),
    ),
    DemoReport(
        INFORMATION,
        "Arut Selatan",
        4,
        "dukcapil",
        "Syarat membuat KTP-el bagi warga pindahan dari luar daerah",
        "Saya baru pindah dari Banjarmasin dan ingin membuat KTP-el di Pangkalan Bun. Dokumen apa "
        "saja yang perlu dibawa dan apakah surat pindah harus diurus dulu di daerah asal?",
        40,
        (*_DONE, "archive"),
        "Silakan membawa Surat Keterangan Pindah dari daerah asal, Kartu Keluarga lama, dan "
        "pas foto. Perekaman KTP-el dapat dilakukan di kantor Disdukcapil atau di kecamatan.",
        ("Nur Aini", "nur.aini@example.com", "081200000104"),
    ),
    DemoReport(
        ASPIRATION,
        "Arut Utara",
        5,
        "dishub",
        "Usulan trayek angkutan pedesaan Pangkut ke Pangkalan Bun",
        "Warga Pangkut dan desa sekitarnya harus menyewa kendaraan pribadi untuk ke Pangkalan "
        "Bun. Kami mengusulkan trayek angkutan pedesaan setidaknya dua kali sehari, terutama "
        "untuk pelajar dan pedagang.",
        9,
        ("verify", "dispose", "process"),
        reporter=("Fajar Nugroho", "fajar.n@example.com", "081200000105"),
    ),
    DemoReport(
        COMPLAINT,
        "Kumai",
        6,
        "dlh",
        "Sampah menumpuk di tepi Sungai Kumai dekat pasar",
        "Sampah plastik dan sisa dagangan dibuang di tepi sungai di belakang pasar Kumai. Baunya "
        "menyengat dan sebagian hanyut ke sungai saat air pasang.",
        15,
        ("verify", "dispose", "process", "follow_up"),
        "Petugas kebersihan telah mengangkut sekitar enam meter kubik sampah. Dua kontainer "
        "sampah tambahan ditempatkan di pasar dan pengelola pasar diminta menertibkan pedagang.",
        anonymous=True,
    ),
    DemoReport(
        COMPLAINT,
        "Pangkalan Banteng",
        7,
        "dinsos",
        "Bantuan sosial untuk lansia tidak cair selama tiga bulan",
        "Nenek saya terdaftar sebagai penerima bantuan sosial lansia, tetapi sejak tiga bulan "
        "terakhir bantuannya tidak masuk ke rekening. Pendamping desa tidak bisa menjelaskan.",
        8,
        ("verify", "dispose", "process"),
        anonymous=True,
    ),
    DemoReport(
        COMPLAINT,
        "Arut Selatan",
        8,
        "dpmptsp",
        "Permohonan persetujuan bangunan gedung tidak ada kabar",
        "Permohonan PBG untuk ruko saya sudah lengkap sejak lebih dari satu bulan, tetapi status "
        "di sistem masih menunggu verifikasi dan petugas di loket tidak bisa memberi kepastian.",
        4,
        ("verify", "dispose"),
        reporter=("Hendra Wijaya", "hendra.w@example.com", "081200000106"),
    ),
    DemoReport(
        COMPLAINT,
        "Arut Selatan",
        9,
        "satpolpp",
        "Pedagang kaki lima menutup trotoar di pusat kota",
        "Trotoar di sekitar pertokoan pusat kota Pangkalan Bun penuh lapak pedagang sejak sore. "
        "Pejalan kaki, termasuk anak sekolah, terpaksa berjalan di badan jalan.",
        30,
        _DONE,
        "Satpol PP telah melakukan penertiban dan memindahkan pedagang ke lokasi yang disediakan. "
        "Patroli dilakukan setiap sore selama satu bulan ke depan.",
        ("Sri Wahyuni", "sri.wahyuni@example.com", "081200000107"),
    ),
    DemoReport(
        COMPLAINT,
        "Kotawaringin Lama",
        10,
        "bpbd",
        "Banjir merendam rumah warga di tepi Sungai Lamandau",
        "Sejak dua hari air sungai naik dan merendam sekitar tiga puluh rumah. Warga membutuhkan "
        "perahu untuk evakuasi lansia dan bantuan air bersih.",
        25,
        _DONE,
        "Tim reaksi cepat telah menyalurkan perahu karet, air bersih dan makanan siap saji, serta "
        "mendirikan posko pengungsian di balai desa. Air telah surut.",
        ("Maria Ulfa", "maria.ulfa@example.com", "081200000108"),
    ),
    DemoReport(
        COMPLAINT,
        "Arut Selatan",
        2,
        "rsud",
        "Antrean pendaftaran pasien BPJS di rumah sakit sangat lama",
        "Saya mengantre sejak pukul 06.00 dan baru dilayani pukul 11.00. Hanya satu loket yang "
        "buka untuk pasien BPJS. Mohon ditambah petugas atau disediakan pendaftaran daring.",
        10,
        ("verify", "dispose", "process", "follow_up"),
        "Rumah sakit menambah dua loket pada jam sibuk dan membuka pendaftaran daring melalui "
        "aplikasi mulai bulan depan.",
        ("Lestari Handayani", "lestari.h@example.com", "081200000109"),
        secret=True,
    ),
    DemoReport(
        COMPLAINT,
        "Pangkalan Lada",
        1,
        "pupr",
        "Jembatan kayu penghubung antardesa sudah rapuh",
        "Papan jembatan kayu yang menghubungkan dua desa di Pangkalan Lada banyak yang patah. "
        "Anak-anak tetap melewatinya setiap hari untuk ke sekolah.",
        1,
        reporter=("Budi Santoso", "budi.santoso@example.com", "081200000110"),
    ),
    DemoReport(
        COMPLAINT,
        "Pangkalan Banteng",
        11,
        "pupr",
        "Listrik sering padam di Karang Mulya",
        "Dalam sepekan listrik padam hampir setiap malam selama dua sampai tiga jam tanpa "
        "pemberitahuan. Usaha rumahan warga terganggu.",
        7,
        ("verify", "dispose", "forward:130"),
        reporter=("Agus Setiawan", "agus.setiawan@example.com", "081200000111"),
    ),
    DemoReport(
        COMPLAINT,
        "Arut Utara",
        2,
        "dinkes",
        "Stok obat di puskesmas pembantu kosong",
        "Puskesmas pembantu di desa kami kehabisan obat demam dan obat batuk untuk anak sejak dua "
        "minggu. Warga harus ke kecamatan yang jaraknya lebih dari satu jam.",
        2,
        ("verify",),
        anonymous=True,
    ),
    DemoReport(
        ASPIRATION,
        "Kotawaringin Lama",
        3,
        "disdik",
        "Usulan perawatan Astana Al-Nursari sebagai cagar budaya",
        "Bangunan kayu istana di Kotawaringin Lama mulai lapuk di beberapa bagian. Kami "
        "mengusulkan perawatan berkala dan papan informasi sejarah bagi pengunjung.",
        11,
        ("verify", "dispose"),
        reporter=("Dimas Pratama", "dimas.p@example.com", "081200000112"),
    ),
    DemoReport(
        COMPLAINT,
        "Kumai",
        9,
        "satpolpp",
        "Balap liar di jalan poros Pangkalan Bun - Kumai setiap malam Minggu",
        "Setiap malam Minggu puluhan sepeda motor balapan di jalan poros menuju Kumai hingga "
        "dini hari. Suaranya mengganggu dan sudah pernah terjadi kecelakaan.",
        5,
        ("verify", "dispose", "process"),
        anonymous=True,
    ),
    DemoReport(
        COMPLAINT,
        "Arut Selatan",
        9,
        "satpolpp",
        "coba",
        "tes aplikasi saja",
        3,
        ("reject",),
    ),
    DemoReport(
        INFORMATION,
        "Pangkalan Lada",
        8,
        "dpmptsp",
        "Cara mengurus izin usaha mikro secara daring",
        "Saya ingin membuka usaha keripik dari rumah. Bagaimana cara mendapatkan Nomor Induk "
        "Berusaha dan apakah ada biayanya?",
        18,
        _DONE,
        "Nomor Induk Berusaha untuk usaha mikro dapat diurus sendiri secara daring tanpa biaya. "
        "Petugas kami siap mendampingi di Mal Pelayanan Publik setiap hari kerja.",
        ("Siti Rahmah", "siti.rahmah@example.com", "081200000113"),
    ),
    DemoReport(
        COMPLAINT,
        "Arut Selatan",
        6,
        "bpbd",
        "Asap pembakaran lahan di pinggir kota",
        "Sejak kemarin ada asap tebal dari lahan yang dibakar di pinggir kota. Jarak pandang "
        "pagi hari sangat pendek dan anak-anak mulai batuk.",
        3,
        ("verify", "dispose", "process", "follow_up"),
        "Tim gabungan telah memadamkan api di lahan sekitar dua hektare dan melakukan "
        "pendinginan. Pemilik lahan sedang dimintai keterangan.",
        anonymous=True,
    ),
    DemoReport(
        COMPLAINT,
        "Arut Selatan",
        4,
        "dukcapil",
        "Nama ibu di akta kelahiran anak salah ketik",
        "Akta kelahiran anak saya yang terbit bulan lalu menuliskan nama ibu dengan ejaan yang "
        "salah. Perbaikan yang dijanjikan belum juga selesai.",
        20,
        ("verify", "dispose", "process", "follow_up", "reopen"),
        "Akta kelahiran telah diterbitkan ulang dengan nama ibu yang benar dan dapat diambil di "
        "loket pelayanan.",
        ("Wulan Sari", "wulan.sari@example.com", "081200000114"),
    ),
    DemoReport(
        ASPIRATION,
        "Kumai",
        2,
        "dinkes",
        "Usulan posko kesehatan saat musim kabut asap",
        "Setiap musim kemarau warga Kumai banyak yang terkena ISPA. Kami mengusulkan posko "
        "kesehatan dan pembagian masker gratis di kelurahan.",
        0,
        reporter=("Rudi Hartono", "rudi.h@example.com", "081200000115"),
    ),
    DemoReport(
        COMPLAINT,
        "Arut Utara",
        1,
        "pupr",
        "Jalan poros Pangkut - Gandis rusak berat",
        "Jalan tanah sepanjang belasan kilometer berubah menjadi kubangan saat hujan. Truk "
        "pengangkut hasil kebun sering terperosok dan harga kebutuhan pokok ikut naik.",
        13,
        ("verify", "dispose"),
        reporter=("Paulus Ding", "paulus.ding@example.com", "081200000116"),
    ),
    DemoReport(
        COMPLAINT,
        "Pangkalan Banteng",
        2,
        "rsud",
        "Ambulans desa rusak dan tidak bisa dipakai",
        "Ambulans desa sudah dua bulan rusak. Minggu lalu warga yang akan melahirkan harus dibawa "
        "ke rumah sakit dengan mobil bak terbuka.",
        2,
        ("verify",),
        reporter=("Nyoman Sukerta", "nyoman.s@example.com", "081200000117"),
    ),
    DemoReport(
        INFORMATION,
        "Kotawaringin Lama",
        7,
        "dinsos",
        "Cara mendaftar Program Keluarga Harapan",
        "Keluarga kami tidak mampu dan belum menerima bantuan apa pun. Bagaimana cara mendaftar "
        "sebagai penerima Program Keluarga Harapan?",
        45,
        (*_DONE, "archive"),
        "Pendaftaran dilakukan melalui musyawarah desa untuk dimasukkan ke data terpadu "
        "kesejahteraan sosial. Silakan menghubungi operator desa dengan membawa KK dan KTP.",
        ("Hasanah", "hasanah@example.com", "081200000118"),
    ),
)


def load_demo(state: NationalState) -> list[int]:
    """Load institutions, categories and every demo report into `state`; the new ids."""
    _load_masters(state)
    now = state.clock()
    return [_file(state, report, now - timedelta(days=report.days_ago), now).id for report in REPORTS]


def load_bulk(state: NationalState, count: int, follow_ups_each: int = 0) -> list[int]:
    """`count` more complaints made from the demo texts, spread over the last 90 days.

    With `follow_ups_each` > 0, every one is instead verified, dispositioned to the regency, taken
    up and followed up that many times, an hour apart, its last change spread evenly up to now.
    """
    if follow_ups_each > 0:
        return _load_followed_up(state, count, follow_ups_each)
    _load_masters(state)
    now = state.clock()
    ids = []
    for n in range(count):
        report = REPORTS[n % len(REPORTS)]
        filed = now - timedelta(days=90) + timedelta(seconds=n * 90 * 86_400 // max(count, 1))
        ids.append(_file(state, report, filed, now, suffix=f" ({n + 1})").id)
    return ids


def _load_followed_up(state: NationalState, count: int, follow_ups_each: int) -> list[int]:
    """Bulk complaints held by the regency, each with `follow_ups_each` follow-ups."""
    _load_masters(state)
    now = state.clock()
    span = 90 * 86_400
    start = now - timedelta(seconds=span)
    road = ("verify", "dispose", "process") + ("follow_up",) * follow_ups_each
    reports = [
        replace(
            r,
            steps=road,
            follow_up=r.follow_up or f"Laporan telah ditindaklanjuti oleh {AGENCIES[r.agency]}.",
        )
        for r in REPORTS
    ]
    ids = []
    for n in range(count):
        last = start + timedelta(seconds=(n + 1) * span // count)
        filed = last - len(road) * _BULK_STEP
        ids.append(
            _file(state, reports[n % len(reports)], filed, now, suffix=f" ({n + 1})", gap=_BULK_STEP).id
        )
    return ids


def _load_masters(state: NationalState) -> None:
    state.add_institution(REGENCY_ID, REGENCY_NAME)
    for institution_id, name in OTHER_INSTITUTIONS.items():
        state.add_institution(institution_id, name)
    state.categories.update(CATEGORIES)


def _file(
    state: NationalState,
    report: DemoReport,
    filed: datetime,
    now: datetime,
    suffix: str = "",
    gap: timedelta = _DEMO_STEP,
) -> Complaint:
    reporter = None
    if report.reporter:
        name, email, phone = report.reporter
        reporter = {"name": name, "email": email, "phone": phone}
    complaint = state.create_complaint(
        title=report.title + suffix,
        content=report.content,
        classification_id=report.kind,
        category_id=report.category,
        location_id=DISTRICTS[report.district],
        channel=1,
        is_anonymous=report.anonymous,
        is_secret=report.secret,
        tags=[report.district.lower().replace(" ", "-")],
        date_of_incident=(filed.astimezone(WIB) - timedelta(days=1)).date(),
        reporter=reporter,
        at=filed,
    )
    agency = f"{AGENCIES[report.agency]} Kabupaten Kotawaringin Barat"
    moment = filed
    for step in report.steps:
        moment = min(moment + gap, now)
        if step == "follow_up":
            state.add_follow_up(
                complaint.id, content=report.follow_up, institution_from_name=agency, at=moment
            )
        elif step.startswith("forward:"):
            target = int(step.split(":", 1)[1])
            text = f"Bukan wewenang: gangguan listrik ditangani oleh {OTHER_INSTITUTIONS[target]}"
            state.move(complaint.id, "not_authority", institution_id=target, content=text, at=moment)
        elif step == "process":
            state.move(complaint.id, "process", content=f"Laporan diteruskan ke {agency}", at=moment)
        else:
            institution = REGENCY_ID if step == "dispose" else None
            state.move(complaint.id, step, institution_id=institution, at=moment)
    return complaint
